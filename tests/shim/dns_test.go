package shim_test

// Host names: real clients (curl, python3, Java) resolve a name that the
// test adds to /etc/hosts, then talk to a server of the test under that
// name. The trace must hold the lookup in dns.json and map the connected
// address back to the name; the server's own request count proves the
// client really went there.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// dnsTestIP is a loopback address no other test uses, so a connect to it
// can only come from the name below.
const dnsTestIP = "127.0.0.57"

// addHostsLine appends "ip name" to /etc/hosts (the honest way to make
// getaddrinfo answer: curl --resolve would skip it) and removes exactly
// that line when the test ends.
func addHostsLine(t *testing.T, ip, name string) {
	t.Helper()
	line := ip + " " + name + " # tcpsnitch test, removed when it ends\n"
	f, err := os.OpenFile("/etc/hosts", os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("cannot edit /etc/hosts to give the test a host name (%v): run as root", err)
	}
	_, err = f.WriteString(line)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b, err := os.ReadFile("/etc/hosts")
		if err != nil {
			t.Error(err)
			return
		}
		if err := os.WriteFile("/etc/hosts", []byte(strings.Replace(string(b), line, "", 1)), 0o644); err != nil {
			t.Errorf("restoring /etc/hosts: %v", err)
		}
	})
}

// nameServer serves HTTP (TLS when tls) on dnsTestIP and counts requests.
func nameServer(t *testing.T, tls bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", dnsTestIP+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (no 127/8 on lo?): %v", dnsTestIP, err)
	}
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprintln(w, "hello")
	}))
	srv.Listener.Close()
	srv.Listener = ln
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &n
}

// runTool runs an installed program under the shim and returns its trace.
func runTool(t *testing.T, prog string, args ...string) *tracefile.Trace {
	t.Helper()
	needShim(t)
	if tgt.name != "linux-x86_64" {
		t.Skipf("the host's %s is an x86_64 program: the %s shim cannot be preloaded into it (this test runs with the x86_64 target)", prog, tgt.name)
	}
	path, err := exec.LookPath(prog)
	if err != nil {
		t.Skipf("%s not installed", prog)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*runTimeout)
	defer cancel()
	cmd := command(ctx, path, nil, dir, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A real program's trace holds to the format document too.
	checkTraceAgainstDoc(t, dir)
	return tr
}

// checkNamed finds, in some process of the trace, the lookup of name that
// returned dnsTestIP and a socket connected to dnsTestIP:port that the
// trace reader maps back to name.
func checkNamed(t *testing.T, tr *tracefile.Trace, name string, port string) {
	t.Helper()
	looked, mapped := false, false
	for _, p := range tr.Processes {
		for _, l := range p.Lookups() {
			if l.Name == name && contains(l.IPs, dnsTestIP) {
				looked = true
			}
		}
		for _, s := range p.Sockets {
			for _, ev := range s.OfType("connect") {
				ip, _ := ev.DetailString("addr", "ip")
				pt, _ := ev.DetailString("addr", "port")
				// Java connects AF_INET6 sockets to ::ffff:127.0.0.57.
				if !net.ParseIP(ip).Equal(net.ParseIP(dnsTestIP)) || pt != port {
					continue
				}
				if n, ok := p.PeerName(s); ok && n == name {
					mapped = true
				} else {
					t.Errorf("%s socket %d connected to %s:%s, mapped to name %q (found %v), want %q", p.Name, s.Index, ip, pt, n, ok, name)
				}
			}
		}
	}
	if !looked {
		for _, p := range tr.Processes {
			for _, ev := range p.DNS {
				t.Logf("%s: %s %v", p.Name, ev.Type, ev.Details)
			}
		}
		t.Errorf("no lookup of %s returning %s in any dns.json", name, dnsTestIP)
	}
	if !mapped {
		t.Errorf("no socket connected to %s:%s with its name", dnsTestIP, port)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestHostNames(t *testing.T) {
	name := fmt.Sprintf("tcpsnitch-dns-%d.example", os.Getpid())
	addHostsLine(t, dnsTestIP, name)

	t.Run("curl https", func(t *testing.T) {
		srv, n := nameServer(t, true)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		tr := runTool(t, "curl", "-sSk", "-o", "/dev/null", "https://"+name+":"+port+"/curl")
		if n.Load() != 1 {
			t.Fatalf("server saw %d requests, want 1", n.Load())
		}
		checkNamed(t, tr, name, port)
	})
	t.Run("python3", func(t *testing.T) {
		srv, n := nameServer(t, false)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		tr := runTool(t, "python3", "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()",
			"http://"+name+":"+port+"/python")
		if n.Load() != 1 {
			t.Fatalf("server saw %d requests, want 1", n.Load())
		}
		checkNamed(t, tr, name, port)
	})
	t.Run("java", func(t *testing.T) {
		javac, err := exec.LookPath("javac")
		if err != nil {
			t.Skip("javac not installed (scripts/packages/format.txt: default-jdk-headless)")
		}
		classes := t.TempDir()
		src := filepath.Join(repoRoot(), "shim", "tests", "java", "NameClient.java")
		if out, err := exec.Command(javac, "-d", classes, src).CombinedOutput(); err != nil {
			t.Fatalf("javac: %v\n%s", err, out)
		}
		srv, n := nameServer(t, false)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		tr := runTool(t, "java", "-cp", classes, "NameClient", name, port)
		if n.Load() != 1 {
			t.Fatalf("server saw %d requests, want 1", n.Load())
		}
		checkNamed(t, tr, name, port)
	})
}

// TestResolveCalls: each resolver call of a C program is one dns.json line
// with the program's return value, errno left alone, and the name's
// addresses as /etc/hosts gives them.
func TestResolveCalls(t *testing.T) {
	prog := build(t, "resolve")
	r := run(t, prog, nil)
	p := r.proc(t)
	want := []string{"getaddrinfo", "getaddrinfo", "gethostbyname", "gethostbyname2", "gethostbyaddr", "getnameinfo"}
	if len(p.DNS) != len(want) {
		t.Fatalf("%d dns.json lines, want %d: %v", len(p.DNS), len(want), p.DNS)
	}
	// The same program without the shim: what each call returns and does
	// to errno (glibc zeroes it in some of them) must not change.
	native := exec.Command(prog)
	if tgt.runner != nil {
		native = exec.Command(tgt.runner[0], append(tgt.runner[1:], prog)...)
	}
	native.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := native.Output()
	if err != nil {
		t.Fatalf("native run: %v", err)
	}
	nativeCalls := finish(t, t.TempDir(), string(out), "", nil).calls
	for i, ev := range p.DNS {
		c := r.calls[i]
		if ev.Type != want[i] || c.name != want[i] {
			t.Fatalf("line %d: %s (program called %s), want %s", i+1, ev.Type, c.name, want[i])
		}
		if i < len(nativeCalls) && c != nativeCalls[i] {
			t.Errorf("%s: traced %v, native %v (errno or result changed by the shim)", c.name, c, nativeCalls[i])
		}
		if ev.ReturnValue != c.ret {
			t.Errorf("%s: return_value %d, program got %d", ev.Type, ev.ReturnValue, c.ret)
		}
		if !ev.HasDuration || ev.ThreadID == 0 {
			t.Errorf("%s: duration %v thread %d", ev.Type, ev.HasDuration, ev.ThreadID)
		}
	}
	ok := p.DNS[0]
	if !ok.Success {
		t.Fatalf("getaddrinfo(localhost) failed: %v", ok.Errno)
	}
	detailStr(t, ok, "localhost", "name")
	detailStr(t, ok, "80", "service")
	detailStr(t, ok, "AF_INET", "hints", "ai_family")
	detailBool(t, ok, true, "hints", "ai_flags", "AI_CANONNAME")
	detailStr(t, ok, "localhost", "canonname")
	if n, found := p.NameOf("127.0.0.1", ok.TimestampUsec); !found || n != "localhost" {
		t.Errorf("127.0.0.1 maps to %q (%v), want localhost", n, found)
	}
	// The name of the code the program got (glibc's values, netdb.h);
	// which code it is depends on the machine's resolver.
	eai := map[int64]string{-1: "EAI_BADFLAGS", -2: "EAI_NONAME", -3: "EAI_AGAIN", -4: "EAI_FAIL",
		-5: "EAI_NODATA", -6: "EAI_FAMILY", -7: "EAI_SOCKTYPE", -8: "EAI_SERVICE", -9: "EAI_ADDRFAMILY",
		-10: "EAI_MEMORY", -11: "EAI_SYSTEM", -12: "EAI_OVERFLOW"}
	bad := p.DNS[1]
	if c := r.calls[1]; bad.Success || c.ret == 0 || bad.Errno != eai[c.ret] {
		t.Errorf("getaddrinfo(.invalid): success %v errno %q, program got %d (%s)", bad.Success, bad.Errno, c.ret, eai[c.ret])
	}
	for _, i := range []int{2, 3} {
		detailStr(t, p.DNS[i], "localhost", "name")
		if ip, _ := p.DNS[i].DetailString("canonname"); ip != "localhost" {
			t.Errorf("%s: canonname %q", p.DNS[i].Type, ip)
		}
	}
	detailStr(t, p.DNS[3], "AF_INET", "family")
	detailStr(t, p.DNS[4], "127.0.0.1", "addr", "ip")
	detailStr(t, p.DNS[5], "127.0.0.1", "addr", "ip")
	detailStr(t, p.DNS[5], "80", "service")
	detailBool(t, p.DNS[5], true, "flags", "NI_NUMERICSERV")
}

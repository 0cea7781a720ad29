package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openDir is a directory every user may enter (the tests' temp dirs are
// private to root), with a copy of the shim and of the client in it.
func openDir(t *testing.T) (dir, shim, client string) {
	dir, err := os.MkdirTemp("/tmp", "tcpsnitch-open-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(to, b, 0o755)
	}
	shim, client = filepath.Join(dir, "libtcpsnitch.so"), filepath.Join(dir, "client")
	copyFile(filepath.Join(repoRoot, "lib", "tcpsnitch", "linux-x86_64", "libtcpsnitch.so"), shim)
	copyFile(tool("client"), client)
	return dir, shim, client
}

// asNobody runs args as user nobody, who cannot write into a trace
// directory owned by root.
func asNobody(t *testing.T, args ...string) []string {
	if os.Getuid() != 0 {
		t.Skip("needs root to run the program as another user (setpriv)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed: cannot switch to another user")
	}
	return append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
}

// A program that used the network but whose shim could not write the
// trace is not called "empty": the user hears that the shim could not
// write, and why. The trace directory is made immutable (chattr +i: even
// root cannot create entries in it) after tcpsnitch wrote its meta and
// before the client starts. (Running the client as another user no longer
// does it: the shim hands the trace over when a process drops privileges.)
func TestShimThatCannotWriteIsNotAnEmptyTrace(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make a directory immutable (chattr +i)")
	}
	srv := newServer(t, 100)
	// In the repository's build/ (not TMPDIR, which may be a tmpfs, where
	// the immutable flag does not exist).
	parent := filepath.Join(repoRoot, "build")
	os.MkdirAll(parent, 0o755)
	base, err := os.MkdirTemp(parent, "immutable-")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "trace")
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run(); os.RemoveAll(base) })
	script := fmt.Sprintf("chattr +i %s || exit 99; %s %s; s=$?; chattr -i %s; exit $s", dir, tool("client"), srv.port, dir)
	r := tcpsnitch(t, "", "-n", "-d", dir, "sh", "-c", script)
	if r.code == 99 {
		t.Fatalf("chattr +i failed on %s (a file system without the immutable flag?): %s", dir, r.errOut)
	}
	if r.code != 0 || srv.read.Load() == 0 {
		t.Fatalf("the client did not talk to the server: exit %d stderr %q", r.code, r.errOut)
	}
	if jsons, _ := filepath.Glob(filepath.Join(dir, "*", "*.json")); len(jsons) != 0 {
		t.Fatalf("the test is wrong: the shim could write %v", jsons)
	}
	if strings.Contains(r.errOut, "empty") {
		t.Fatalf("said empty although the program used a socket:\n%s", r.errOut)
	}
	for _, want := range []string{
		"cannot create a process directory in " + dir + ": Operation not permitted",
		"tcpsnitch: the shim saw 1 internet socket but could not write it to the trace",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
}

// A program the shim could not be loaded into (its user cannot read the
// shim file) after an exec is said to be untraced, not "empty".
func TestProgramWithoutTheShimIsNotAnEmptyTrace(t *testing.T) {
	srv := newServer(t, 100)
	open, _, client := openDir(t)
	// The installed shim lives in the tests' private temp dir: nobody
	// cannot open it.
	r := tcpsnitch(t, "", append([]string{"-n", "-d", filepath.Join(open, "trace")}, asNobody(t, client, srv.port)...)...)
	if r.code != 0 || srv.read.Load() == 0 {
		t.Fatalf("the client did not talk to the server: exit %d stderr %q", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, "empty") || !strings.Contains(r.errOut, "tcpsnitch: warning: pid ") ||
		!strings.Contains(r.errOut, "ran a program the shim never reported from, so it was not traced") {
		t.Fatalf("stderr:\n%s", r.errOut)
	}
}

// A crash is said as such; "empty" is not.
func TestCrashIsSaid(t *testing.T) {
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), "sh", "-c", "kill -SEGV $$")
	if r.code != 139 || strings.Contains(r.errOut, "empty") ||
		!strings.Contains(r.errOut, "tcpsnitch: sh died of SIGSEGV (segmentation fault).\ntcpsnitch: no internet socket was recorded before that.\nTrace saved in ") {
		t.Fatalf("exit %d stderr:\n%s", r.code, r.errOut)
	}
}

// "Empty" is said when the shim reported and saw no socket.
func TestEmptyWhenTheShimSaidSo(t *testing.T) {
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), "sh", "-c", "echo hello")
	if r.code != 0 || !strings.Contains(r.errOut, "tcpsnitch: the trace is empty: sh used no internet socket.\n") {
		t.Fatalf("exit %d stderr:\n%s", r.code, r.errOut)
	}
}

// The shim's path limit is checked before the program starts: a trace
// directory of 511 bytes is traced, one of 512 is refused.
func TestTraceDirPathLimit(t *testing.T) {
	srv := newServer(t, 100)
	base := t.TempDir()
	long := func(n int) string { // a path of exactly n bytes under base
		p := base
		for len(p)+1+200 < n {
			p = filepath.Join(p, strings.Repeat("d", 200))
		}
		return filepath.Join(p, strings.Repeat("e", n-len(p)-1))
	}
	ok := long(511)
	os.MkdirAll(filepath.Dir(ok), 0o755)
	r := tcpsnitch(t, "", "-n", "-d", ok, tool("client"), srv.port)
	if r.code != 0 {
		t.Fatalf("511-byte dir: exit %d stderr %q", r.code, r.errOut)
	}
	connectedSocket(t, onlyProcess(t, ok, "client"), srv.port)

	tooLong := long(512)
	marker := filepath.Join(base, "started")
	r = tcpsnitch(t, "", "-n", "-d", tooLong, "sh", "-c", "touch "+marker)
	want := "tcpsnitch: trace directory " + tooLong + " is 512 bytes long; the shim holds at most 511: choose a shorter path with -d\n"
	if r.code != 1 || r.errOut != want {
		t.Fatalf("512-byte dir: exit %d stderr %q", r.code, r.errOut)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the program was started")
	}
	if _, err := os.Stat(tooLong); err == nil {
		t.Fatal("the directory was created")
	}
}

// The shim's warnings reach the user once each, with a count, before
// "Trace saved": here -c without CAP_NET_RAW, once per traced client.
func TestShimWarningsAreSummed(t *testing.T) {
	srv := newServer(t, 100)
	cmd := []string{bin, "-n", "-c", "-d", t.TempDir(), "sh", "-c", tool("client") + " " + srv.port + " && " + tool("client") + " " + srv.port}
	if os.Getuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("setpriv (util-linux) is not installed: cannot drop CAP_NET_RAW as root")
		}
		cmd = append([]string{"setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"}, cmd...)
	}
	out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, out)
	}
	want := "tcpsnitch: shim warning: packet capture (-c) needs CAP_NET_RAW (run as root or give the program that capability): " +
		"tracing continues without .pcap files (2 times)\nTrace saved in "
	if !strings.Contains(string(out), want) || strings.Count(string(out), "needs CAP_NET_RAW") != 1 {
		t.Fatalf("output:\n%s", out)
	}
}

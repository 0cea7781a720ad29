package cli

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// Settings are checked before anything runs.
func TestBadSettingsStartNothing(t *testing.T) {
	base := t.TempDir()
	i386 := filepath.Join(repoRoot, "lib", "tcpsnitch", "linux-i386", "libtcpsnitch.so")
	cases := []struct {
		name string
		args []string
		env  string
		code int
		want string
	}{
		{"server not a URL", []string{"--server", "not a url"}, "", 2, `tcpsnitch: --server: "not a url" is not an http:// or https:// URL`},
		{"server without host", []string{"--server", "http://"}, "", 2, `tcpsnitch: --server: "http://" names no host`},
		{"server from env", nil, "TCPSNITCH_SERVER=ftp://x", 2, `tcpsnitch: TCPSNITCH_SERVER: "ftp://x" is not an http:// or https:// URL`},
		{"-b too large", []string{"-b", "99999999999999999999"}, "", 2,
			`tcpsnitch: invalid argument "99999999999999999999" for "-b, --tcp-info-bytes" flag: out of range: must be a whole number from 0 to 9223372036854775807`},
		{"--shim not a library", []string{"--shim", "/etc/passwd"}, "", 1, "tcpsnitch: --shim /etc/passwd is not a shared library (not an ELF file)"},
		{"--shim an executable", []string{"--shim", "/bin/sh"}, "", 1, "tcpsnitch: --shim /bin/sh is not a shared library (a position-independent executable)"},
	}
	if _, err := os.Stat(i386); err == nil {
		sh, _ := exec.LookPath("sh")
		cases = append(cases, struct {
			name string
			args []string
			env  string
			code int
			want string
		}{"--shim for another machine", []string{"--shim", i386}, "", 1,
			"tcpsnitch: --shim " + i386 + " is built for i386, but " + sh + " is x86-64: give a shim built for x86-64"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "started")
			prog := []string{"sh", "-c", "touch " + marker}
			cmd := exec.Command(bin, append(append([]string{"-d", filepath.Join(base, "trace")}, c.args...), prog...)...)
			if c.env != "" {
				cmd.Env = append(os.Environ(), c.env)
			}
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != c.code || !strings.HasPrefix(string(out), c.want) || strings.Count(string(out), "\n") != 1 {
				t.Fatalf("exit %d output %q, want %d and one line starting %q", cmd.ProcessState.ExitCode(), out, c.code, c.want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the program was started")
			}
		})
	}
}

// A server whose certificate is not trusted is tried once, not twice.
func TestCertificateFailureIsNotRetried(t *testing.T) {
	var conns atomic.Int32
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	srv := newServer(t, 100)
	dir := t.TempDir()
	r := tcpsnitch(t, "", "-d", dir, "--server", tlsSrv.URL, tool("client"), srv.port)
	if r.code != 1 || !strings.Contains(r.errOut, "certificate") || strings.Contains(r.errOut, "retrying") ||
		!strings.HasSuffix(r.errOut, "(the trace is kept in "+dir+")\n") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections to the server, want 1", n)
	}
}

// Ctrl-C (or SIGTERM) during an upload ends it: exit 130, trace kept.
func TestInterruptedUpload(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			col := newCollector(t, true) // never answers
			srv := newServer(t, 100)
			dir := t.TempDir()
			cmd := exec.Command(bin, "-d", dir, "--server", col.URL, tool("client"), srv.port)
			var errOut strings.Builder
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			<-col.arrived
			cmd.Process.Signal(sig)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 130 ||
				!strings.HasSuffix(errOut.String(), "tcpsnitch: upload interrupted (the trace is kept in "+dir+")\n") {
				t.Fatalf("exit %d stderr %q", code, errOut.String())
			}
			connectedSocket(t, onlyProcess(t, dir, "client"), srv.port)
		})
	}
}

// -p waits on stdin; Ctrl-C or SIGTERM ends the wait (exit 130, trace kept,
// nothing uploaded).
func TestInterruptedPrompt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			col := newCollector(t, false)
			srv := newServer(t, 100)
			dir := t.TempDir()
			cmd := exec.Command(bin, "-p", "-d", dir, "--server", col.URL, tool("client"), srv.port)
			stdin, _ := cmd.StdinPipe() // open, never written: the prompt waits
			defer stdin.Close()
			r, w, _ := os.Pipe()
			cmd.Stderr = w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			var seen strings.Builder
			buf := make([]byte, 256)
			for !strings.Contains(seen.String(), "Workload description") {
				n, err := r.Read(buf)
				if err != nil {
					t.Fatalf("no prompt: %q", seen.String())
				}
				seen.Write(buf[:n])
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			for n, err := r.Read(buf); err == nil; n, err = r.Read(buf) {
				seen.Write(buf[:n])
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 ||
				!strings.HasSuffix(seen.String(), "tcpsnitch: upload interrupted (the trace is kept in "+dir+")\n") {
				t.Fatalf("exit %d stderr %q", code, seen.String())
			}
			if len(col.got()) != 0 {
				t.Fatal("uploaded")
			}
		})
	}
}

// Messages of issue 20: no "tcpsnitch: tcpsnitch:", config typos, config
// showing a flag as the source, no trailing spaces, -u's help.
func TestMessages(t *testing.T) {
	srv := newServer(t, 100)
	r := tcpsnitch(t, "", "-n", "-l", "4", "-d", t.TempDir(), tool("client"), srv.port)
	if r.code != 0 || strings.Contains(r.errOut, "tcpsnitch: tcpsnitch:") || !strings.Contains(r.errOut, "tcpsnitch: shim ") {
		t.Fatalf("-l 4: exit %d stderr:\n%s", r.code, r.errOut)
	}

	r = tcpsnitch(t, "", "-b", "10", "config")
	if r.code != 0 || !strings.Contains(r.out, "\ntcp-info-bytes (-b)    10     (flag)\n") {
		t.Fatalf("-b 10 config: exit %d out:\n%s\nerr %q", r.code, r.out, r.errOut)
	}
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}

	cfg := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tcpsnitch", "config.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	os.WriteFile(cfg, []byte("sever: http://x\n"), 0o644)
	r = tcpsnitch(t, "", "-n", "true")
	os.Remove(cfg)
	if want := `tcpsnitch: unknown key "sever" in ` + cfg + `:1 (did you mean "server"?)` + "\n"; r.code != 1 || r.errOut != want {
		t.Fatalf("config typo: exit %d stderr %q", r.code, r.errOut)
	}

	r = tcpsnitch(t, "", "--help")
	if !strings.Contains(r.out, "sample TCP_INFO at a socket's first call after N microseconds since its last sample") {
		t.Fatalf("-u help:\n%s", r.out)
	}
}

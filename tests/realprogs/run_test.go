package realprogs

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a background program's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a program started by the test, in a process group of its own so
// that a hung program and everything it started can be killed together.
type proc struct {
	name     string
	cmd      *exec.Cmd
	out, err lockedBuffer
	done     chan struct{}
	code     int
}

// start runs argv with extra environment variables (on top of the test's).
func start(t *testing.T, env []string, argv ...string) *proc {
	t.Helper()
	p := &proc{name: strings.Join(argv, " "), done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", p.name, err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// traced starts argv under tcpsnitch, tracing into dir.
func traced(t *testing.T, dir string, env []string, argv ...string) *proc {
	t.Helper()
	return start(t, env, append([]string{bin, "-n", "-d", dir}, argv...)...)
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// wait waits for the program to exit; past the timeout it kills it and fails
// the test, so a hang fails fast and says where.
func (p *proc) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.kill()
		hint := ""
		if p.out.String() == "" && p.err.String() == "" {
			hint = " It printed nothing: a hang before main?"
		}
		t.Fatalf("%s did not exit within %v (killed).%s stdout %q, stderr %q", p.name, timeout, hint, tail(p.out.String()), tail(p.err.String()))
	}
}

// run runs a program to completion under the timeout.
func run(t *testing.T, timeout time.Duration, env []string, argv ...string) *proc {
	t.Helper()
	p := start(t, env, argv...)
	p.wait(t, timeout)
	return p
}

// mustSucceed fails unless the program exited 0 and, for a tcpsnitch run,
// said it saved the trace in dir (a summary of the trace may follow).
func (p *proc) mustSucceed(t *testing.T, dir string) {
	t.Helper()
	if p.code != 0 {
		t.Fatalf("%s exited %d; stderr %q", p.name, p.code, tail(p.err.String()))
	}
	if dir != "" && !strings.Contains("\n"+p.err.String(), "\nTrace saved in "+dir+".\n") {
		t.Fatalf("%s: no line \"Trace saved in %s.\" on stderr %q", p.name, dir, tail(p.err.String()))
	}
}

// tail keeps the end of long output for failure messages.
func tail(s string) string {
	if len(s) > 1500 {
		return "…" + s[len(s)-1500:]
	}
	return s
}

// need fails the test when a program of scripts/packages/realprogs.txt or
// probe.txt is missing: the suite installs them, so a missing one is a
// broken setup.
func need(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: run scripts/deps.sh (scripts/packages/realprogs.txt or probe.txt lists it)", p)
		}
	}
}

// needFile is need for a library.
func needFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run scripts/deps.sh (package %s in scripts/packages/realprogs.txt)", path, pkg)
	}
}

// freePort asks the kernel for a free loopback port, for servers (redis,
// nginx) that must be told their port in their configuration.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// sharedTempDir is t.TempDir() made traversable and readable by every user
// (nginx's workers run as nobody), as /tmp is.
func sharedTempDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{d, filepath.Dir(d)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFile waits until the file exists and holds want, failing if the program
// exits or the timeout passes first. Servers say they are ready in a log or
// a pid file; waiting on that leaves no probe connection in their trace.
func waitFile(t *testing.T, p *proc, path, want string, timeout time.Duration, why string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited %d before writing %q to %s; stderr %q", p.name, p.code, want, path, tail(p.err.String()))
		default:
		}
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("%s did not write %q to %s within %v%s; stderr %q", p.name, want, path, timeout, why, tail(p.err.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

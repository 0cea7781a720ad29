package adbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Server is a private adb server for one test, on its own port, so tests
// never touch the user's server on 5037.
type Server struct {
	Port int
	home string
}

// StartServer runs `adb -P <port> start-server` on a free port and kills
// that server at the end of the test.
func StartServer(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("adb"); err != nil {
		t.Skip("adbtest: adb not installed (Debian package adb)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("adbtest: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{Port: port, home: t.TempDir()}
	// Its own HOME: the server's adbkey and state stay out of the user's ~/.android.
	if out, err := s.command("start-server").CombinedOutput(); err != nil {
		t.Fatalf("adbtest: adb -P %d start-server: %v\n%s", port, err, out)
	}
	t.Cleanup(func() { s.command("kill-server").Run() })
	return s
}

func (s *Server) command(args ...string) *exec.Cmd {
	cmd := exec.Command("adb", append([]string{"-P", fmt.Sprint(s.Port)}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+s.home, "ANDROID_SERIAL=", "ADB_TRACE=")
	return cmd
}

// Env is the environment that points an adb client (or gadb via
// ANDROID_ADB_SERVER_PORT) at this server.
func (s *Server) Env() []string {
	return []string{fmt.Sprintf("ANDROID_ADB_SERVER_PORT=%d", s.Port), "HOME=" + s.home}
}

// Connect runs `adb connect` for the device and waits until `adb devices`
// lists it as "device" (or "unauthorized" for an unauthorized device).
func (s *Server) Connect(t testing.TB, d *Device) {
	t.Helper()
	want := "device"
	if d.cfg.Unauthorized {
		want = "unauthorized"
	}
	if out, err := s.command("connect", d.Addr()).CombinedOutput(); err != nil {
		t.Fatalf("adbtest: adb connect %s: %v\n%s", d.Addr(), err, out)
	}
	if err := s.WaitState(d, want, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// State is the device's state in `adb devices` ("" when not listed).
func (s *Server) State(d *Device) string {
	out, _ := s.command("devices").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if serial, state, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && serial == d.Addr() {
			return state
		}
	}
	return ""
}

// WaitState polls `adb devices` until the device is in state.
func (s *Server) WaitState(d *Device, state string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		if last = s.State(d); last == state {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("adbtest: %s is %q in adb devices after %v, want %q", d.Addr(), last, timeout, state)
}

// Run runs the adb client against this server and returns its combined
// output; a non-zero exit fails the test.
func (s *Server) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := s.RunErr(args...)
	if err != nil {
		t.Fatalf("adbtest: adb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// RunErr runs the adb client and returns its output and exit error.
func (s *Server) RunErr(args ...string) (string, error) {
	out, err := s.command(args...).CombinedOutput()
	return string(out), err
}

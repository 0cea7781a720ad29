package adbtest

import (
	"strings"
	"testing"
	"time"
)

func TestAdbRootRestartsAdbdAsRoot(t *testing.T) {
	d, s := startConnected(t, Config{Root: RootAdb})
	mustContain(t, sh(t, s, d, "id -u; getprop ro.debuggable"), "2000\n1\n")
	mustContain(t, s.Run(t, "-s", d.Addr(), "root"), "restarting adbd as root")
	// The transport dropped; the server reconnects to the same address.
	if err := s.WaitState(d, "device", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, _ = s.RunErr("-s", d.Addr(), "shell", "id -u"); out == "0\n" {
			break
		}
	}
	if out != "0\n" {
		t.Fatalf("shell after adb root: %q", out)
	}
	mustContain(t, s.Run(t, "-s", d.Addr(), "root"), "adbd is already running as root")
	// Root may write where shell may not, through sync too.
	sh(t, s, d, "echo hi > /data/local/root-file")
	if got := readFile(t, d.Path("/data/local/root-file")); got != "hi\n" {
		t.Fatalf("root-file: %q", got)
	}
}

func TestAdbRootRefusedOnUserBuilds(t *testing.T) {
	for _, root := range []string{RootSuC, RootNone} {
		d, s := startConnected(t, Config{Root: root})
		mustContain(t, s.Run(t, "-s", d.Addr(), "root"), "adbd cannot run as root in production builds")
		if d.IsAdbRoot() || strings.TrimSpace(sh(t, s, d, "id -u")) != "2000" {
			t.Fatalf("%s: adbd became root", root)
		}
	}
}

func TestUnauthorizedDevice(t *testing.T) {
	d := Start(t, Config{Unauthorized: true})
	s := StartServer(t)
	s.Connect(t, d) // waits for "unauthorized"
	out, err := s.RunErr("-s", d.Addr(), "shell", "id")
	if err == nil || !strings.Contains(out, "unauthorized") {
		t.Fatalf("shell on an unauthorized device: %v\n%s", err, out)
	}
}

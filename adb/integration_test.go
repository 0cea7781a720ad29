package adb_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
)

// open connects a simulated device to a private real adb server and opens
// it through this package.
func open(t *testing.T, cfg adbtest.Config) (*adbtest.Device, *adb.Client, adb.Device) {
	t.Helper()
	d := adbtest.Start(t, cfg)
	srv := adbtest.StartServer(t)
	srv.Connect(t, d)
	c, err := adb.NewClient(adb.Options{Port: srv.Port})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.Device(d.Serial())
	if err != nil {
		t.Fatal(err)
	}
	return d, c, dev
}

func TestShellStatusQuotingAndProps(t *testing.T) {
	d, _, dev := open(t, adbtest.Config{})
	r, err := adb.Shell(dev, "sh", "-c", "printf '%s|' \"$@\"; exit 5", "sh", "a b", "it's", "$HOME", "")
	if err != nil || r.Output != "a b|it's|$HOME||" || r.Status != 5 {
		t.Errorf("got %+v, %v", r, err)
	}
	if err := adb.SetProp(dev, "debug.tcpsnitch.t", "250"); err != nil || d.Prop("debug.tcpsnitch.t") != "250" {
		t.Errorf("setprop: %v, device has %q", err, d.Prop("debug.tcpsnitch.t"))
	}
	// The shell user may not set wrap.*: the refusal must be an error.
	var pe *adb.PropError
	if err := adb.SetProp(dev, "wrap.com.x", "LD_PRELOAD=/x"); !errors.As(err, &pe) {
		t.Errorf("wrap.* as shell: %v", err)
	}
}

func TestPushReadFileAndPullDir(t *testing.T) {
	d, _, dev := open(t, adbtest.Config{})
	data := []byte("binary\x00\r\n\xff data")
	if err := dev.Push(strings.NewReader(string(data)), int64(len(data)), "/data/local/tmp/f.bin", 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(d.Path("/data/local/tmp/f.bin"))
	if err != nil || string(got) != string(data) {
		t.Fatalf("pushed %q, device has %q (%v)", data, got, err)
	}
	if back, err := dev.ReadFile("/data/local/tmp/f.bin"); err != nil || string(back) != string(data) {
		t.Errorf("ReadFile: %q, %v", back, err)
	}
	if _, err := dev.ReadFile("/data/local/tmp/missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := adb.Run(dev, "sh", "-c", "mkdir -p /data/local/tmp/tree/p_000/sub && echo one > /data/local/tmp/tree/p_000/0.json && "+
		"echo two > /data/local/tmp/tree/p_000/sub/1.pcap && : > /data/local/tmp/tree/empty"); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "out")
	st, err := dev.PullDir("/data/local/tmp/tree", local)
	if err != nil || st.Files != 3 || st.Bytes != 8 {
		t.Fatalf("PullDir: %+v, %v", st, err)
	}
	for rel, want := range map[string]string{"p_000/0.json": "one\n", "p_000/sub/1.pcap": "two\n", "empty": ""} {
		if b, err := os.ReadFile(filepath.Join(local, rel)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", rel, b, err)
		}
	}
}

// Devices says what is known about root without running su (a toast on
// Magisk, a prompt the first time); DetectRoot runs it and finds the variant.
func TestDevicesAndRootDetection(t *testing.T) {
	for root, want := range map[string]struct {
		kind                 adb.RootKind
		installed, userdebug bool
	}{
		adbtest.RootSuC: {adb.RootSuC, true, false}, adbtest.RootSu0: {adb.RootSu0, true, true}, adbtest.RootNone: {adb.RootNone, false, false},
	} {
		d, c, dev := open(t, adbtest.Config{Model: "Sim", SDK: 28, ABIs: []string{"arm64-v8a", "armeabi-v7a"}, Root: root})
		devs, err := c.Devices()
		if err != nil || len(devs) != 1 {
			t.Fatalf("%s: %+v, %v", root, devs, err)
		}
		got := devs[0]
		if got.Root != adb.RootNone || got.SuInstalled != want.installed || got.AdbRootable != want.userdebug ||
			got.SDK != "28" || strings.Join(got.ABIs, ",") != "arm64-v8a,armeabi-v7a" || !got.Online() {
			t.Errorf("%s: got %+v", root, got)
		}
		if n := suCommands(d); n != 0 {
			t.Errorf("%s: Devices ran su %d times", root, n)
		}
		kind, err := adb.DetectRoot(dev, adb.RootWait{})
		if err != nil || kind != want.kind {
			t.Errorf("%s: DetectRoot = %q, %v; want %q", root, kind, err, want.kind)
		}
	}
}

func suCommands(d *adbtest.Device) int {
	n := 0
	for _, argv := range d.Commands() {
		if argv[0] == "su" {
			n++
		}
	}
	return n
}

// Magisk's first su from the shell waits for the user's answer on the
// phone: the notice is given while waiting, a grant is remembered, a
// denial (or the prompt's timeout) is told from a standing refusal and
// from no root at all, and an su that never answers ends in a timeout.
func TestDetectRootWaitsForTheGrant(t *testing.T) {
	var notices atomic.Int32
	wait := adb.RootWait{Notice: func() { notices.Add(1) }}

	d, _, dev := open(t, adbtest.Config{Root: adbtest.RootSuC, SuPrompt: adbtest.SuPrompt{Answer: 3 * time.Second}})
	if kind, err := adb.DetectRoot(dev, wait); err != nil || kind != adb.RootSuC || notices.Load() != 1 {
		t.Fatalf("granted: %q, %v, %d notices", kind, err, notices.Load())
	}
	// Granted "forever": the next su passes without a prompt.
	if kind, err := adb.DetectRoot(dev, adb.RootWait{Notice: func() { t.Error("second prompt") }, NoticeAfter: time.Minute}); err != nil || kind != adb.RootSuC {
		t.Fatalf("after the grant: %q, %v", kind, err)
	}
	if n := suCommands(d); n != 2 {
		t.Errorf("%d su commands, want 2", n)
	}

	notices.Store(0)
	_, _, dev = open(t, adbtest.Config{Root: adbtest.RootSuC, SuPrompt: adbtest.SuPrompt{Answer: 3 * time.Second, Deny: true}})
	var de *adb.RootDeniedError
	if _, err := adb.DetectRoot(dev, wait); !errors.As(err, &de) || !de.Prompted || notices.Load() != 1 ||
		!strings.Contains(err.Error(), "denied or timed out") {
		t.Fatalf("prompt denied: %v (%d notices)", err, notices.Load())
	}

	_, _, dev = open(t, adbtest.Config{Root: adbtest.RootSuC, SuDenied: true})
	if _, err := adb.DetectRoot(dev, adb.RootWait{NoticeAfter: time.Minute}); !errors.As(err, &de) || de.Prompted ||
		!strings.Contains(err.Error(), "refused root to the shell") {
		t.Fatalf("policy deny: %v", err)
	}

	_, _, dev = open(t, adbtest.Config{Root: adbtest.RootSuC, SuPrompt: adbtest.SuPrompt{Answer: time.Minute}})
	var te *adb.RootTimeoutError
	if _, err := adb.DetectRoot(dev, adb.RootWait{Timeout: 2 * time.Second}); !errors.As(err, &te) || !strings.Contains(err.Error(), "no answer within 2s") {
		t.Fatalf("no answer: %v", err)
	}
}

func TestAdbRootRestartsAdbdAsRoot(t *testing.T) {
	d, _, dev := open(t, adbtest.Config{Root: adbtest.RootAdb})
	if out, _ := adb.Run(dev, "id", "-u"); strings.TrimSpace(out) != "2000" {
		t.Fatalf("shell uid before adb root: %q", out)
	}
	if err := dev.AdbRoot(); err != nil {
		t.Fatal(err)
	}
	if out, err := adb.Run(dev, "id", "-u"); err != nil || strings.TrimSpace(out) != "0" || !d.IsAdbRoot() {
		t.Errorf("after adb root: %q, %v", out, err)
	}
}

func TestAdbRootRefusedOnProductionBuild(t *testing.T) {
	_, _, dev := open(t, adbtest.Config{Root: adbtest.RootNone})
	if err := dev.AdbRoot(); err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("adb root on a user build: %v", err)
	}
}

func TestFindPackageAndDumpsys(t *testing.T) {
	_, _, dev := open(t, adbtest.Config{Packages: []adbtest.Package{
		{Name: "org.mozilla.firefox", VersionName: "120.0", PrimaryABI: "x86_64", Program: "/bin/true"},
		{Name: "org.mozilla.firefox_beta", Program: "/bin/true", Debuggable: true},
	}})
	if p, err := adb.FindPackage(dev, "org.mozilla.firefox"); err != nil || p != "org.mozilla.firefox" {
		t.Errorf("exact: %q, %v", p, err)
	}
	if p, err := adb.FindPackage(dev, "beta"); err != nil || p != "org.mozilla.firefox_beta" {
		t.Errorf("substring: %q, %v", p, err)
	}
	var amb *adb.AmbiguousPackageError
	if _, err := adb.FindPackage(dev, "mozilla"); !errors.As(err, &amb) {
		t.Errorf("ambiguous: %v", err)
	}
	info, err := adb.Package(dev, "org.mozilla.firefox")
	if err != nil || info.VersionName != "120.0" || info.PrimaryABI != "x86_64" || info.UID < 10000 || info.Debuggable {
		t.Errorf("dumpsys: %+v, %v", info, err)
	}
	if info, _ := adb.Package(dev, "org.mozilla.firefox_beta"); !info.Debuggable || info.PrimaryABI != "" {
		t.Errorf("debuggable, no native code: %+v", info)
	}
}

func TestServerStartedWhenMissing(t *testing.T) {
	if _, err := os.Stat("/usr/bin/adb"); err != nil {
		t.Skip("adb not installed")
	}
	t.Setenv("HOME", t.TempDir())
	port := freePort(t)
	c, err := adb.NewClient(adb.Options{Port: port, StartServer: true})
	if err != nil {
		t.Fatal(err)
	}
	// Stop the server this test started.
	t.Cleanup(func() { adb.KillServer(port) })
	if devs, err := c.Devices(); err != nil || len(devs) != 0 {
		t.Errorf("fresh server: %+v, %v", devs, err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A hostile device lists names that would lead outside the local
// directory: PullDir refuses before writing anything.
func TestPullDirRefusesNamesThatAreNotPlain(t *testing.T) {
	for _, name := range []string{"../../../escaped", "x/../../../../escaped", ".."} {
		d, _, dev := open(t, adbtest.Config{})
		if _, err := adb.Run(dev, "sh", "-c", "mkdir -p /data/local/tmp/tree/p_000 && echo one > /data/local/tmp/tree/p_000/0.json"); err != nil {
			t.Fatal(err)
		}
		d.InjectListEntry("/data/local/tmp/tree/p_000", name)
		top := t.TempDir()
		local := filepath.Join(top, "trace", "out")
		_, err := dev.PullDir("/data/local/tmp/tree", local)
		var ue *adb.UnsafeNameError
		if name == ".." {
			// adbd lists ".." in every directory: it is skipped, not copied.
			if err != nil {
				t.Errorf("%q: %v", name, err)
			}
			continue
		}
		if !errors.As(err, &ue) || ue.Name != name {
			t.Errorf("%q: got %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(local, "p_000", "0.json")); err == nil {
			t.Errorf("%q: files were written before the bad name was seen", name)
		}
		for _, p := range []string{filepath.Join(top, "trace", "escaped"), filepath.Join(top, "escaped")} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%q: %s was written", name, p)
			}
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
)

const (
	emX86    = 3
	emX86_64 = 62
)

func simplePackage(name string) adbtest.Package {
	return adbtest.Package{Name: name, VersionName: "1.0", Launcher: ".MainActivity", Program: "/bin/true"}
}

func TestDevicesTableShowsOneDevice(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{Model: "Pixel Sim", SDK: 33, ABIs: []string{"arm64-v8a", "armeabi-v7a"}, Root: adbtest.RootSuC})
	androidEnv(t, d)
	r := runCLI(t, "", "devices")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SERIAL") || !strings.HasPrefix(lines[2], "su (untried): su is not run") {
		t.Fatalf("table:\n%s", r.out)
	}
	for _, want := range []string{d.Serial(), "device", "(API 33)", "arm64-v8a,armeabi-v7a", "su (untried)"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
}

func TestUnauthorizedDeviceIsShownWithAdvice(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{Unauthorized: true})
	androidEnv(t, d)
	r := runCLI(t, "", "devices")
	if r.code != 0 || !strings.Contains(r.out, "unauthorized") || !strings.Contains(r.errOut, "Allow USB debugging") {
		t.Errorf("devices: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = runCLI(t, "", "-n", "-a", "com.example.app")
	if r.code == 0 || !strings.Contains(r.errOut, "unauthorized") || strings.Count(r.errOut, "\n") != 1 {
		t.Errorf("-a on unauthorized: exit %d: %q", r.code, r.errOut)
	}
}

func TestTwoDevicesNeedAChoice(t *testing.T) {
	d1 := adbtest.Start(t, adbtest.Config{Packages: []adbtest.Package{simplePackage("com.example.app")}})
	d2 := adbtest.Start(t, adbtest.Config{Packages: []adbtest.Package{simplePackage("com.example.app")}})
	androidEnv(t, d1, d2)

	r := runCLI(t, "", "-k", "com.example.app")
	if r.code == 0 || !strings.Contains(r.errOut, "several devices attached") ||
		!strings.Contains(r.errOut, d1.Serial()) || !strings.Contains(r.errOut, d2.Serial()) {
		t.Errorf("no -s: exit %d: %q", r.code, r.errOut)
	}
	// With -s the second device is used: -k finds no session there and says which device it asked.
	r = runCLI(t, "", "-s", d2.Serial(), "-k", "com.example.app")
	if r.code == 0 || !strings.Contains(r.errOut, "no tcpsnitch session for com.example.app on "+d2.Serial()) {
		t.Errorf("-s: exit %d: %q", r.code, r.errOut)
	}
	// `devices use` makes it the default.
	if r := runCLI(t, "", "devices", "use", d1.Serial()); r.code != 0 {
		t.Fatalf("devices use: %d %s", r.code, r.errOut)
	}
	r = runCLI(t, "", "-k", "com.example.app")
	if !strings.Contains(r.errOut, "on "+d1.Serial()) {
		t.Errorf("config default: exit %d: %q", r.code, r.errOut)
	}
	if r := runCLI(t, "", "devices", "use", "nope:1"); r.code == 0 || !strings.Contains(r.errOut, "not attached") {
		t.Errorf("devices use of a missing device: %d %q", r.code, r.errOut)
	}
}

func TestPackageLookupErrors(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{Root: adbtest.RootSuC, Packages: []adbtest.Package{
		simplePackage("org.example.one"), simplePackage("org.example.two"), simplePackage("com.other.app")}})
	androidEnv(t, d)
	shim := writeShim(t, "x86_64")

	r := runCLI(t, "", "-n", "--shim", shim, "-a", "com.nothere")
	if r.code == 0 || !strings.Contains(r.errOut, `no installed package matches "com.nothere"`) {
		t.Errorf("not found: exit %d: %q", r.code, r.errOut)
	}
	r = runCLI(t, "", "-n", "--shim", shim, "-a", "example")
	if r.code == 0 || !strings.Contains(r.errOut, "org.example.one, org.example.two") {
		t.Errorf("ambiguous: exit %d: %q", r.code, r.errOut)
	}
	if d.Prop("debug.tcpsnitch.d") != "" {
		t.Error("a failed lookup changed the device")
	}
}

func TestNoRootFailsNamingTheStep(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{Root: adbtest.RootNone, Packages: []adbtest.Package{simplePackage("com.example.app")}})
	androidEnv(t, d)
	r := runCLI(t, "", "-n", "--shim", writeShim(t, "x86_64"), "-a", "com.example.app")
	if r.code == 0 || strings.Count(r.errOut, "\n") != 1 ||
		!strings.Contains(r.errOut, "setting wrap.com.example.app") || !strings.Contains(r.errOut, "needs root") {
		t.Errorf("exit %d: %q", r.code, r.errOut)
	}
	if _, err := os.Stat(d.Path("/data/local/tmp/tcpsnitch-com.example.app.session")); err == nil {
		t.Error("a session was recorded although nothing could be done")
	}
	if d.Prop("wrap.com.example.app") != "" || d.Prop("debug.tcpsnitch.d") != "" {
		t.Error("properties were set without root")
	}
}

// A 32-bit app runs as a 32-bit process (zygote, not zygote64): it needs
// the 32-bit shim; the 64-bit one would stop it from starting.
func TestThirtyTwoBitAppOnSixtyFourBitPhoneGetsThe32BitShim(t *testing.T) {
	prog := buildC(t, "app32", sleeperC, "-m32")
	pkg := adbtest.Package{Name: "com.example.legacy", PrimaryABI: "x86", Launcher: ".Main", Program: prog}
	d := adbtest.Start(t, adbtest.Config{ABIs: []string{"x86_64", "x86"}, Root: adbtest.RootSuC, Packages: []adbtest.Package{pkg}})
	androidEnv(t, d)
	libDir := t.TempDir()
	for abi, flags := range map[string][]string{"x86": {"-m32"}, "x86_64": nil} {
		b, err := os.ReadFile(realShim(t, flags...))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(libDir, "android-"+abi), 0o755)
		os.WriteFile(filepath.Join(libDir, "android-"+abi, "libtcpsnitch.so"), b, 0o644)
	}
	lib32, _ := os.ReadFile(filepath.Join(libDir, "android-x86", "libtcpsnitch.so"))
	t.Setenv("TCPSNITCH_LIBDIR", libDir)

	r := runCLI(t, "", "-n", "-d", t.TempDir(), "-a", "com.example.legacy")
	if r.code != 0 {
		t.Fatalf("-a: exit %d: %s\nlogcat:\n%s", r.code, r.errOut, d.Logcat())
	}
	got, err := os.ReadFile(d.Path("/data/data/com.example.legacy/libtcpsnitch.so"))
	if err != nil || string(got) != string(lib32) {
		t.Errorf("the library in the app's data dir is not the x86 shim (err %v)", err)
	}
	if v := d.Prop("wrap.com.example.legacy"); v != "LD_PRELOAD=/data/data/com.example.legacy/libtcpsnitch.so" {
		t.Errorf("wrap property: %q", v)
	}
	// Clean up through -k (the shim is an empty library: no trace).
	r = runCLI(t, "", "-k", "com.example.legacy")
	if r.code == 0 || !strings.Contains(r.errOut, "no trace") {
		t.Errorf("-k: exit %d: %q", r.code, r.errOut)
	}
	if d.Prop("wrap.com.example.legacy") != "" {
		t.Error("-k left wrap.com.example.legacy set")
	}
}

func TestKillWithoutLaunch(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{Root: adbtest.RootSuC, Packages: []adbtest.Package{simplePackage("com.example.app")}})
	androidEnv(t, d)
	r := runCLI(t, "", "-n", "-k", "com.example.app")
	if r.code == 0 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, "start one with `tcpsnitch -a com.example.app`") {
		t.Errorf("exit %d: %q", r.code, r.errOut)
	}
}

func TestAppNeverLaunched(t *testing.T) {
	// No launcher activity: -a cannot start it and says so; nobody starts it.
	pkg := adbtest.Package{Name: "com.example.service", Program: "/bin/true"}
	d := adbtest.Start(t, adbtest.Config{Root: adbtest.RootSuC, Packages: []adbtest.Package{pkg}})
	androidEnv(t, d)
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", writeShim(t, "x86_64"), "-a", "com.example.service")
	if r.code != 0 || !strings.Contains(r.errOut, "start com.example.service on the phone yourself") {
		t.Fatalf("-a: exit %d: %q", r.code, r.errOut)
	}
	r = runCLI(t, "", "-k", "com.example.service")
	if r.code == 0 || !strings.Contains(r.errOut, "no trace: com.example.service did not run under tcpsnitch") {
		t.Errorf("-k: exit %d: %q", r.code, r.errOut)
	}
	assertDeviceClean(t, d, "com.example.service")
}

func TestADBServerNotRunning(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ANDROID_ADB_SERVER_PORT", strconv.Itoa(freePort(t)))
	t.Setenv("PATH", t.TempDir()) // no adb command to start one
	for _, args := range [][]string{{"devices"}, {"-a", "com.example.app"}, {"-k", "com.example.app"}} {
		r := runCLI(t, "", args...)
		if r.code == 0 || strings.Count(r.errOut, "\n") != 1 ||
			!strings.Contains(r.errOut, "adb server not running") || !strings.Contains(r.errOut, "apt install adb") {
			t.Errorf("%v: exit %d: %q", args, r.code, r.errOut)
		}
	}
}

// writeShim returns a file that passes the ABI check for --shim.
func writeShim(t *testing.T, abi string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "libtcpsnitch.so")
	switch abi {
	case "x86":
		writeELFHeader(t, p, false, emX86)
	default:
		writeELFHeader(t, p, true, emX86_64)
	}
	return p
}

// assertDeviceClean checks that nothing of a session is left on the device.
func assertDeviceClean(t *testing.T, d *adbtest.Device, pkg string) {
	t.Helper()
	for _, p := range []string{"/data/data/" + pkg + "/libtcpsnitch.so", "/data/data/" + pkg + "/tcpsnitch",
		"/data/local/tmp/tcpsnitch-" + pkg + ".session", "/data/local/tmp/tcpsnitch-" + pkg + ".so",
		"/data/local/tmp/tcpsnitch-" + pkg + ".pull"} {
		if _, err := os.Lstat(d.Path(p)); err == nil {
			t.Errorf("%s is still on the device", p)
		}
	}
	for _, name := range []string{"wrap." + pkg, "debug.tcpsnitch.d", "debug.tcpsnitch.b", "debug.tcpsnitch.t"} {
		if v := d.Prop(name); v != "" {
			t.Errorf("%s is still %q", name, v)
		}
	}
}

// Work profiles: an app only another user has is refused with what to do
// (nothing is changed); one that user 0 and a profile both have is traced
// in user 0, with a warning that the profile's copy cannot start meanwhile.
func TestAppsOfOtherUsers(t *testing.T) {
	work := simplePackage("com.example.work")
	work.Users = []int{10}
	both := sleeperApp("com.example.both", buildC(t, "app", sleeperC))
	both.Users = []int{0, 10}
	d := adbtest.Start(t, adbtest.Config{SDK: 33, Root: adbtest.RootSuC, Packages: []adbtest.Package{work, both}})
	androidEnv(t, d)

	for _, flag := range []string{"-a", "-k"} {
		r := runCLI(t, "", "-n", "--shim", writeShim(t, "x86_64"), flag, "work")
		if r.code != 1 || strings.Count(r.errOut, "\n") != 1 ||
			!strings.Contains(r.errOut, "com.example.work is installed only for user 10 (a work profile or another user)") ||
			!strings.Contains(r.errOut, "adb shell pm install-existing --user 0 com.example.work") {
			t.Errorf("%s work: exit %d: %q", flag, r.code, r.errOut)
		}
	}
	if d.Prop("debug.tcpsnitch.d") != "" || d.Prop("wrap.com.example.work") != "" {
		t.Error("the refused -a changed the phone")
	}

	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", realShim(t), "-a", "com.example.both")
	if r.code != 0 || !strings.Contains(r.errOut, "Warning: com.example.both is also installed for user 10 (a work profile or another user): only user 0's copy is traced") {
		t.Fatalf("-a both: exit %d: %q", r.code, r.errOut)
	}
	runCLI(t, "", "-k", "com.example.both")
	assertDeviceClean(t, d, "com.example.both")
}

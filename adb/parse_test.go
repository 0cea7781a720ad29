package adb

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseDevicesL(t *testing.T) {
	out := "emulator-5554          device product:sdk_x86 model:Pixel_7 device:emu64 transport_id:1\n" +
		"R58M123                unauthorized usb:1-1 transport_id:2\n" +
		"127.0.0.1:40001        offline transport_id:3\n" +
		"0123456789             no permissions (missing udev rules? user is in the plugdev group); see [http://developer.android.com/tools/device.html] usb:1-2 transport_id:4\n"
	got := parseDevicesL(out)
	if len(got) != 4 {
		t.Fatalf("got %d entries: %+v", len(got), got)
	}
	want := []struct{ serial, state, model string }{
		{"emulator-5554", "device", "Pixel_7"},
		{"R58M123", "unauthorized", ""},
		{"127.0.0.1:40001", "offline", ""},
		{"0123456789", "no permissions (missing udev rules? user is in the plugdev group); see [http://developer.android.com/tools/device.html]", ""},
	}
	for i, w := range want {
		if got[i].serial != w.serial || got[i].state != w.state || got[i].attrs["model"] != w.model {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], w)
		}
	}
	for _, st := range []string{"unauthorized", "offline", "no permissions (x)"} {
		if stateAdvice(st) == "" {
			t.Errorf("no advice for state %q", st)
		}
	}
}

func TestParsePropList(t *testing.T) {
	out := "[debug.tcpsnitch.d]: [/data/data/com.x/tcpsnitch]\r\n[debug.tcpsnitch.b]: []\n[ro.build.version.sdk]: [34]\n[weird]: [a]: [b]\n"
	got := parsePropList(out, "debug.tcpsnitch.")
	want := map[string]string{"debug.tcpsnitch.d": "/data/data/com.x/tcpsnitch", "debug.tcpsnitch.b": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if all := parsePropList(out, ""); all["weird"] != "a]: [b" || all["ro.build.version.sdk"] != "34" {
		t.Errorf("full list: %v", all)
	}
}

func TestMatchPackage(t *testing.T) {
	pkgs := parsePackageList("package:com.android.chrome\npackage:org.mozilla.firefox\npackage:org.mozilla.firefox_beta\npackage:com.example.app\r\n")
	for q, want := range map[string]string{
		"com.android.chrome":  "com.android.chrome",
		"chrome":              "com.android.chrome",
		"org.mozilla.firefox": "org.mozilla.firefox", // exact wins over the _beta substring match
		"example":             "com.example.app",
	} {
		if got, err := matchPackage(pkgs, q); err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", q, got, err, want)
		}
	}
	_, err := matchPackage(pkgs, "mozilla")
	var amb *AmbiguousPackageError
	if !errors.As(err, &amb) || len(amb.Matches) != 2 || !strings.Contains(err.Error(), "org.mozilla.firefox_beta") {
		t.Errorf("mozilla: got %v", err)
	}
	var nf *PackageNotFoundError
	if _, err := matchPackage(pkgs, "nope"); !errors.As(err, &nf) {
		t.Errorf("nope: got %v", err)
	}
}

const dumpsysSample = `Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        1d2c3b4 com.example.app/.MainActivity filter 5e6f7a8
Packages:
  Package [com.example.app] (a1b2c3d):
    userId=10123
    pkg=Package{e4f5a6b com.example.app}
    codePath=/data/app/~~x==/com.example.app-y==
    primaryCpuAbi=armeabi-v7a
    secondaryCpuAbi=null
    versionCode=42 minSdk=21 targetSdk=33
    versionName=2.1 beta (build 7)
    dataDir=/data/user/0/com.example.app
    flags=[ DEBUGGABLE HAS_CODE ALLOW_CLEAR_USER_DATA ]
    User 0: ceDataInode=2345 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false
    User 10: ceDataInode=0 installed=false hidden=false suspended=false stopped=true notLaunched=true enabled=0 instant=false virtual=false
    User 11: ceDataInode=6789 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false
Hidden system packages:
  Package [com.example.app] (ffff):
    userId=1
    primaryCpuAbi=x86
    versionName=1.0
`

func TestParseDumpsysPackage(t *testing.T) {
	got, err := parseDumpsysPackage(dumpsysSample, "com.example.app")
	if err != nil {
		t.Fatal(err)
	}
	want := PackageInfo{Name: "com.example.app", UID: 10123, VersionName: "2.1 beta (build 7)",
		PrimaryABI: "armeabi-v7a", DataDir: "/data/user/0/com.example.app", Debuggable: true, Users: []int{0, 11}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	noNative := strings.NewReplacer("primaryCpuAbi=armeabi-v7a", "primaryCpuAbi=null", " DEBUGGABLE", "").Replace(dumpsysSample)
	got, _ = parseDumpsysPackage(noNative, "com.example.app")
	if got.PrimaryABI != "" || got.Debuggable {
		t.Errorf("null ABI / not debuggable: got %+v", got)
	}
	if _, err := parseDumpsysPackage("Unable to find package: x\n", "x"); err == nil {
		t.Error("missing package accepted")
	}
}

// fakeShell answers command lines from a table and records them, to check
// the exact requests a device receives.
type fakeShell struct {
	answers map[string]Result
	seen    []string
}

func (f *fakeShell) ShellLine(cmdline string) (Result, error) {
	f.seen = append(f.seen, cmdline)
	if r, ok := f.answers[cmdline]; ok {
		return r, nil
	}
	return Result{Output: "/system/bin/sh: " + strings.Fields(cmdline)[0] + ": not found\n", Status: 127}, nil
}

func TestDetectRootVariants(t *testing.T) {
	// toybox id (Android 6+) and toolbox id (5.x, which ignores -u) print
	// the same uid=… field: only plain `id` is asked.
	shellUID := Result{Output: "uid=2000(shell) gid=2000(shell) groups=1004(input),1007(log) context=u:r:shell:s0\n"}
	rootUID := Result{Output: "uid=0(root) gid=0(root) groups=0(root) context=u:r:su:s0\n"}
	cases := []struct {
		name    string
		answers map[string]Result
		want    RootKind
	}{
		{"adbd root", map[string]Result{"id": rootUID}, RootAdbd},
		{"magisk", map[string]Result{"id": shellUID, "su -c id": rootUID}, RootSuC},
		{"aosp su", map[string]Result{"id": shellUID,
			"su -c id": {Output: "su: invalid uid/gid '-c'\n", Status: 1}, "su 0 id": rootUID}, RootSu0},
		{"userdebug adbd", map[string]Result{"id": shellUID,
			"getprop": {Output: "[ro.debuggable]: [1]\n[ro.build.type]: [userdebug]\n"}}, RootAdbOff},
		{"none", map[string]Result{"id": shellUID,
			"getprop": {Output: "[ro.debuggable]: [0]\n[ro.build.type]: [user]\n"}}, RootNone},
	}
	for _, c := range cases {
		got, err := DetectRoot(&fakeShell{answers: c.answers}, RootWait{})
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestParseUIDAndPS(t *testing.T) {
	for out, want := range map[string]int{
		"uid=0(root) gid=0(root) groups=0(root) context=u:r:su:s0\n":  0,
		"uid=2000(shell) gid=2000(shell) groups=1003(graphics)\n":     2000,
		"uid=10123(u0_a123) gid=10123(u0_a123) groups=3003(inet)\r\n": 10123,
	} {
		if got, err := ParseUID(out); err != nil || got != want {
			t.Errorf("ParseUID(%q) = %d, %v; want %d", out, got, err, want)
		}
	}
	if _, err := ParseUID("0\n"); err == nil {
		t.Error("a bare number was taken for `id` output")
	}
	toolbox := "USER     PID   PPID  VSIZE  RSS     WCHAN    PC         NAME\n" +
		"root      1     0     8904   784   ffffffff 00000000 S /init\n" +
		"u0_a57    2345  180   912345 45678 ffffffff 00000000 S com.example.app\n" +
		"u0_a57    2399  180   912345 45678 ffffffff 00000000 S com.example.app:remote\n"
	if got := parsePS(toolbox, "com.example.app"); len(got) != 1 || got[0] != 2345 {
		t.Errorf("parsePS = %v, want [2345]", got)
	}
}

func TestAsRootCommandLines(t *testing.T) {
	cmd := Join("setprop", "wrap.com.x", "LD_PRELOAD=/data/data/com.x/libtcpsnitch.so")
	for kind, want := range map[RootKind]string{
		RootAdbd: cmd,
		RootSuC:  `su -c 'setprop wrap.com.x '\''LD_PRELOAD=/data/data/com.x/libtcpsnitch.so'\'''`,
		RootSu0:  `su 0 sh -c 'setprop wrap.com.x '\''LD_PRELOAD=/data/data/com.x/libtcpsnitch.so'\'''`,
	} {
		if got, err := AsRoot(kind, cmd); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", kind, got, err, want)
		}
	}
	if _, err := AsRoot(RootNone, cmd); !errors.Is(err, ErrNoRoot) {
		t.Errorf("no root: got %v", err)
	}
}

func TestSetPropChecksValueAndReadBack(t *testing.T) {
	f := &fakeShell{answers: map[string]Result{
		"setprop wrap.com.x 'LD_PRELOAD=/a b'": {Output: "Failed to set property 'wrap.com.x' to 'LD_PRELOAD=/a b'.\nSee dmesg for error reason.\n", Status: 1},
		"getprop wrap.com.x":                   {Output: "\n"},
	}}
	err := SetProp(f, "wrap.com.x", "LD_PRELOAD=/a b")
	var pe *PropError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "dmesg") {
		t.Errorf("refused setprop: got %v", err)
	}
	long := strings.Repeat("x", PropValueMax+1)
	f.seen = nil
	if err := SetProp(f, "debug.tcpsnitch.d", long); err == nil || len(f.seen) != 0 {
		t.Errorf("92-byte value: err %v, requests %q", err, f.seen)
	}
}

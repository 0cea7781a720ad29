package adbtest

import (
	"strings"
	"testing"
)

func TestShellRunsAsShellUserWithAndroidProperties(t *testing.T) {
	d, s := startConnected(t, Config{Model: "Pixel 7", Product: "panther", Device: "panther",
		SDK: 33, ABIs: []string{"arm64-v8a", "armeabi-v7a", "armeabi"}})
	if got := sh(t, s, d, "getprop ro.product.model"); got != "Pixel 7\n" {
		t.Fatalf("getprop ro.product.model = %q", got)
	}
	out := sh(t, s, d, "getprop")
	for _, want := range []string{"[ro.build.version.sdk]: [33]\n", "[ro.build.version.release]: [13]\n",
		"[ro.product.cpu.abilist]: [arm64-v8a,armeabi-v7a,armeabi]\n", "[ro.product.cpu.abilist64]: [arm64-v8a]\n",
		"[ro.product.cpu.abilist32]: [armeabi-v7a,armeabi]\n", "[ro.debuggable]: [0]\n", "[ro.build.type]: [user]\n"} {
		mustContain(t, out, want)
	}
	// The banner carries the product fields the server shows.
	mustContain(t, s.Run(t, "devices", "-l"), "device product:panther model:Pixel_7 device:panther")
	// Real programs, as the shell user, stdout and stderr merged, no status.
	out = sh(t, s, d, "id; ls /data 2>&1; echo to-stderr >&2; cd /data/local/tmp && touch f && ls -ln f")
	mustContain(t, out, "uid=2000(shell) gid=2000(shell)")
	mustContain(t, out, "ls: cannot open directory '/data': Permission denied")
	mustContain(t, out, "to-stderr")
	mustContain(t, out, " 2000 2000 ")
}

func TestSetpropPolicy(t *testing.T) {
	d, s := startConnected(t, Config{Root: RootSuC})
	out := sh(t, s, d, "setprop debug.tcpsnitch.d /data/data/x/t; echo rc=$?")
	mustContain(t, out, "rc=0")
	if d.Prop("debug.tcpsnitch.d") != "/data/data/x/t" {
		t.Fatalf("debug.tcpsnitch.d = %q", d.Prop("debug.tcpsnitch.d"))
	}
	out = sh(t, s, d, "setprop wrap.com.example.app LD_PRELOAD=/x.so; echo rc=$?")
	mustContain(t, out, "Failed to set property 'wrap.com.example.app' to 'LD_PRELOAD=/x.so'.")
	mustContain(t, out, "rc=1")
	if d.Prop("wrap.com.example.app") != "" {
		t.Fatal("wrap property set by the shell user")
	}
	mustContain(t, d.Logcat(), "Unable to set property 'wrap.com.example.app' from uid:2000")
	// Root (Magisk) may set it, but never more than 91 bytes.
	out = sh(t, s, d, `su -c "setprop wrap.com.example.app LD_PRELOAD=/x.so"; echo rc=$?`)
	mustContain(t, out, "rc=0")
	if d.Prop("wrap.com.example.app") != "LD_PRELOAD=/x.so" {
		t.Fatalf("wrap.com.example.app = %q", d.Prop("wrap.com.example.app"))
	}
	long := strings.Repeat("a", 92)
	out = sh(t, s, d, "su -c 'setprop debug.long "+long+"'; echo rc=$?; setprop debug.ok "+long[:91]+"; echo rc=$?")
	mustContain(t, out, "is too long")
	mustContain(t, out, "rc=1\nrc=0")
	// Clearing with an empty value.
	sh(t, s, d, `su -c "setprop wrap.com.example.app ''"`)
	if got := sh(t, s, d, "getprop wrap.com.example.app"); got != "\n" {
		t.Fatalf("after clearing: %q", got)
	}
	// The store the shim reads.
	props := readFile(t, d.Path(propsFile))
	mustContain(t, props, "debug.tcpsnitch.d=/data/data/x/t\n")
	mustContain(t, props, "wrap.com.example.app=\n")
}

func TestSuVariants(t *testing.T) {
	cases := []struct {
		root, command, want string
	}{
		{RootSuC, `su -c "id -u; echo a  b"`, "0\na b\n"},
		{RootSu0, "su -c id", "su: invalid uid/gid '-c'\n"},
		{RootSu0, "su 0 sh -c 'id -u; echo \"a  b\"'", "0\na  b\n"},
		{RootSu0, "su root id -un", "root\n"},
		{RootAdb, "su 0 id -u", "0\n"},
		{RootNone, "su -c id; echo rc=$?", "su: not found\nrc=127\n"},
		{RootNone, "getenforce; setenforce 0; echo rc=$?", "Enforcing\nsetenforce: Couldn't set enforcing status to '0': Permission denied\nrc=1\n"},
		{RootSuC, "su -c setenforce 0; getenforce", "Permissive\n"},
	}
	for _, c := range cases {
		t.Run(c.root+"/"+c.command, func(t *testing.T) {
			d, s := startConnected(t, Config{Root: c.root})
			got := sh(t, s, d, c.command)
			if !strings.HasSuffix(got, c.want) {
				t.Fatalf("%s on %s:\n%q\nwant suffix %q", c.command, c.root, got, c.want)
			}
		})
	}
}

func TestPackageCommands(t *testing.T) {
	d, s := startConnected(t, Config{Packages: []Package{
		{Name: "com.example.app", VersionName: "2.3.1", PrimaryABI: "armeabi-v7a", Launcher: ".MainActivity", Debuggable: true},
		{Name: "com.example.app.pro", Launcher: "org.other.Start"},
	}})
	out := sh(t, s, d, "pm list packages example")
	if out != "package:com.example.app\npackage:com.example.app.pro\n" {
		t.Fatalf("pm list packages example:\n%s", out)
	}
	mustContain(t, sh(t, s, d, "pm list packages"), "package:android\n")
	mustContain(t, sh(t, s, d, "pm path com.example.app"), "package:/data/app/com.example.app-1/base.apk")
	out = sh(t, s, d, "dumpsys package com.example.app")
	for _, want := range []string{"versionName=2.3.1\n", "primaryCpuAbi=armeabi-v7a\n", "userId=10100\n", "pkgFlags=[ DEBUGGABLE HAS_CODE"} {
		mustContain(t, out, want)
	}
	out = sh(t, s, d, "dumpsys package com.example.app.pro")
	mustContain(t, out, "primaryCpuAbi=null\n")
	mustNotContain(t, out, "DEBUGGABLE")
	mustNotContain(t, sh(t, s, d, "dumpsys package com.nope"), "Package [")
	out = sh(t, s, d, "cmd package resolve-activity --brief -c android.intent.category.LAUNCHER com.example.app")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); lines[len(lines)-1] != "com.example.app/.MainActivity" {
		t.Fatalf("resolve-activity:\n%s", out)
	}
	out = sh(t, s, d, "cmd package resolve-activity --brief -c android.intent.category.LAUNCHER com.example.app.pro")
	mustContain(t, out, "\ncom.example.app.pro/org.other.Start\n")
	// The app's data directory belongs to its uid and is closed to shell.
	out = sh(t, s, d, "ls /data/data/com.example.app; echo rc=$?")
	mustContain(t, out, "Permission denied")
	mustContain(t, out, "rc=2")
}

func TestRunAs(t *testing.T) {
	d, s := startConnected(t, Config{Packages: []Package{
		{Name: "com.debug.app", Debuggable: true},
		{Name: "com.release.app"},
	}})
	out := sh(t, s, d, "run-as com.release.app id; echo rc=$?")
	mustContain(t, out, "run-as: package not debuggable: com.release.app\nrc=1")
	mustContain(t, sh(t, s, d, "run-as com.nope id; echo rc=$?"), "run-as: unknown package: com.nope\nrc=1")
	out = sh(t, s, d, "echo payload > /data/local/tmp/in && run-as com.debug.app sh -c 'id -un; pwd; cp /data/local/tmp/in ./copied'; run-as com.debug.app cat copied")
	if out != "u0_a100\n/data/data/com.debug.app\npayload\n" {
		t.Fatalf("run-as output:\n%q", out)
	}
	if owner := fileUID(t, d.Path("/data/data/com.debug.app/copied")); owner != 10100 {
		t.Fatalf("copied file owned by %d", owner)
	}
}

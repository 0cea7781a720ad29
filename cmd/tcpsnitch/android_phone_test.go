package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// What a real phone does that -a must cope with (issue 18), each modelled
// by the simulated device for the Android versions named in the test.

// buildC compiles a C source with gcc and extra flags (e.g. -m32, -shared).
func buildC(t *testing.T, name, src string, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	os.WriteFile(c, []byte(src), 0o644)
	out := filepath.Join(dir, name)
	args := append(append([]string{}, flags...), "-o", out, c)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Skipf("gcc %v: %v\n%s", flags, err, b)
	}
	return out
}

// A library that loads (a real shared object) and an app that stays up
// like a real one until it is stopped.
const emptyLibC = "int tcpsnitch_test_lib;\n"
const sleeperC = "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n"

func realShim(t *testing.T, flags ...string) string {
	return buildC(t, "libtcpsnitch.so", emptyLibC, append([]string{"-shared", "-fPIC"}, flags...)...)
}

func sleeperApp(name string, prog string) adbtest.Package {
	return adbtest.Package{Name: name, Launcher: ".Main", Program: prog, PrimaryABI: "x86_64"}
}

// API 22 on: a shim the linker cannot load stops the app from starting.
// -a says why (logcat, API 24 on) and restores the device.
func TestLaunchReportsTheLinkersRefusal(t *testing.T) {
	prog := buildC(t, "app", sleeperC)
	d := adbtest.Start(t, adbtest.Config{SDK: 30, Root: adbtest.RootSuC, Packages: []adbtest.Package{sleeperApp("com.example.app", prog)}})
	androidEnv(t, d)
	// An ELF header without program headers: ElfReader refuses it.
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", writeShim(t, "x86_64"), "-a", "com.example.app")
	if r.code == 0 || !strings.Contains(r.errOut, `CANNOT LINK EXECUTABLE "/system/bin/app_process64"`) ||
		!strings.Contains(r.errOut, "has invalid e_phnum") || !strings.Contains(r.errOut, "did not start") {
		t.Fatalf("exit %d: %q", r.code, r.errOut)
	}
	assertDeviceClean(t, d, "com.example.app")
	if d.AppPID("com.example.app") != 0 {
		t.Error("the app runs")
	}
}

// A library that loads: -a checks the app's maps and succeeds; -k finds
// the app's process through pidof, or ps where pidof is missing (5.x).
func TestLaunchConfirmsTheShimInTheMaps(t *testing.T) {
	for _, sdk := range []int{22, 30} {
		t.Run(strconv.Itoa(sdk), func(t *testing.T) {
			prog := buildC(t, "app", sleeperC)
			d := adbtest.Start(t, adbtest.Config{SDK: sdk, Root: adbtest.RootSuC, Packages: []adbtest.Package{sleeperApp("com.example.app", prog)}})
			androidEnv(t, d)
			r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", realShim(t), "-a", "com.example.app")
			if r.code != 0 || !strings.Contains(r.errOut, "com.example.app runs with the shim") {
				t.Fatalf("-a: exit %d: %q\nlogcat:\n%s", r.code, r.errOut, d.Logcat())
			}
			maps, _ := os.ReadFile("/proc/" + strconv.Itoa(d.AppPID("com.example.app")) + "/maps")
			if !strings.Contains(string(maps), "/data/data/com.example.app/libtcpsnitch.so") {
				t.Fatalf("the app's maps lack the shim")
			}
			r = runCLI(t, "", "-k", "com.example.app")
			if !strings.Contains(r.errOut, "no trace") {
				t.Errorf("-k: exit %d: %q", r.code, r.errOut)
			}
			if err := d.WaitAppExit("com.example.app", 10*time.Second); err != nil {
				t.Errorf("-k left the app running: %v", err)
			}
			assertDeviceClean(t, d, "com.example.app")
		})
	}
}

// Something restarts the app between the first force-stop and the start
// (a push message): -a must not leave it running untraced.
func TestLaunchStopsAnAppRestartedBehindItsBack(t *testing.T) {
	prog := buildC(t, "app", sleeperC)
	pkg := sleeperApp("com.example.app", prog)
	pkg.RestartedBehind = true
	d := adbtest.Start(t, adbtest.Config{SDK: 33, Root: adbtest.RootSuC, Packages: []adbtest.Package{pkg}})
	androidEnv(t, d)
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", realShim(t), "-a", "com.example.app")
	if r.code != 0 {
		t.Fatalf("-a: exit %d: %q\nlogcat:\n%s", r.code, r.errOut, d.Logcat())
	}
	if !strings.Contains(d.Logcat(), "PushReceiver") {
		t.Fatal("the simulated push message never restarted the app")
	}
	maps, _ := os.ReadFile("/proc/" + strconv.Itoa(d.AppPID("com.example.app")) + "/maps")
	if !strings.Contains(string(maps), "libtcpsnitch.so") {
		t.Fatal("the running app is the untraced one")
	}
	runCLI(t, "", "-k", "com.example.app")
}

func TestCaptureIsRefusedForApps(t *testing.T) {
	r := runCLI(t, "", "-c", "-a", "com.example.app")
	if r.code != 2 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, "CAP_NET_RAW") {
		t.Errorf("exit %d: %q", r.code, r.errOut)
	}
}

// platform_app and system_app may not map their own data files.
func TestPlatformAndSystemAppsAreRefused(t *testing.T) {
	plat := simplePackage("com.android.systemui")
	plat.Domain = "platform_app"
	sys := simplePackage("com.android.phone")
	sys.Domain = "system_app"
	priv := simplePackage("com.google.android.gms")
	priv.Domain = "priv_app"
	priv.Program = buildC(t, "app", sleeperC)
	priv.PrimaryABI = "x86_64"
	d := adbtest.Start(t, adbtest.Config{SDK: 33, Root: adbtest.RootSuC, Packages: []adbtest.Package{plat, sys, priv}})
	androidEnv(t, d)
	shim := realShim(t)
	for pkg, domain := range map[string]string{"com.android.systemui": "platform_app", "com.android.phone": "system_app"} {
		r := runCLI(t, "", "-n", "--shim", shim, "-a", pkg)
		if r.code == 0 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, "SELinux domain "+domain) {
			t.Errorf("%s: exit %d: %q", pkg, r.code, r.errOut)
		}
		if _, err := os.Stat(d.Path("/data/local/tmp/tcpsnitch-" + pkg + ".session")); err == nil {
			t.Errorf("%s: the device was changed", pkg)
		}
	}
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", shim, "-a", "com.google.android.gms")
	if r.code != 0 {
		t.Errorf("privileged app: exit %d: %q", r.code, r.errOut)
	}
	runCLI(t, "", "-k", "com.google.android.gms")
}

// An ARM app on an x86_64 device with a native bridge runs in an x86_64
// app_process64: it needs the x86_64 shim.
func TestNativeBridgeAppGetsTheNativeShim(t *testing.T) {
	pkg := sleeperApp("com.example.arm", buildC(t, "app", sleeperC))
	pkg.PrimaryABI = "arm64-v8a"
	d := adbtest.Start(t, adbtest.Config{SDK: 30, Root: adbtest.RootSuC, NativeBridge: "libndk_translation.so",
		ABIs: []string{"x86_64", "x86", "arm64-v8a", "armeabi-v7a"}, Packages: []adbtest.Package{pkg}})
	androidEnv(t, d)
	libDir := t.TempDir()
	os.MkdirAll(filepath.Join(libDir, "android-x86_64"), 0o755)
	b, _ := os.ReadFile(realShim(t))
	os.WriteFile(filepath.Join(libDir, "android-x86_64", "libtcpsnitch.so"), b, 0o644)
	writeELFHeader(t, filepath.Join(libDir, "android-arm64-v8a", "libtcpsnitch.so"), true, 183)
	t.Setenv("TCPSNITCH_LIBDIR", libDir)
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "-a", "com.example.arm")
	if r.code != 0 || !strings.Contains(r.errOut, "(x86_64,") {
		t.Fatalf("-a: exit %d: %q\nlogcat:\n%s", r.code, r.errOut, d.Logcat())
	}
	runCLI(t, "", "-k", "com.example.arm")
}

// Android 12/12L: refused without consent; with --restart-zygote, zygote
// restarts with the Java fork loop and the app is traced.
func TestAndroid12NeedsAZygoteRestart(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{SDK: 32, Root: adbtest.RootSuC,
		Packages: []adbtest.Package{sleeperApp("com.example.app", buildC(t, "app", sleeperC))}})
	androidEnv(t, d)
	shim := realShim(t)
	r := runCLI(t, "", "-n", "--shim", shim, "-a", "com.example.app")
	if r.code == 0 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, "--restart-zygote") {
		t.Fatalf("without consent: exit %d: %q", r.code, r.errOut)
	}
	r = runCLI(t, "", "-n", "-d", t.TempDir(), "--restart-zygote", "--shim", shim, "-a", "com.example.app")
	if r.code != 0 {
		t.Fatalf("--restart-zygote: exit %d: %q", r.code, r.errOut)
	}
	if d.Prop("dalvik.vm.force-java-zygote-fork-loop") != "true" {
		t.Error("the fork-loop property was not set")
	}
	runCLI(t, "", "-k", "com.example.app")
}

// Ctrl-C during -a: exit 130 and the device as it was.
func TestInterruptedLaunchRestoresTheDevice(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	d := adbtest.Start(t, adbtest.Config{SDK: 33, Root: adbtest.RootSuC,
		Packages: []adbtest.Package{sleeperApp("com.example.app", buildC(t, "app", sleeperC))},
		OnCommand: func(argv []string) {
			// The user presses Ctrl-C as the first option property is set.
			if argv[0] == "setprop" && strings.HasPrefix(argv[1], "debug.tcpsnitch.") {
				once.Do(cancel)
			}
		}})
	androidEnv(t, d)
	s, _, _, errOut := cliio.Test()
	err := execute(ctx, []string{"-n", "-d", t.TempDir(), "--shim", realShim(t), "-a", "com.example.app"}, s, nil)
	if code := exitCode(err, s); code != 130 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "restored") {
		t.Errorf("no word of the restore: %q", errOut.String())
	}
	if !strings.HasSuffix(errOut.String(), "\ntcpsnitch: -a interrupted (nothing of it is left on the phone)\n") {
		t.Errorf("last line: %q", errOut.String())
	}
	assertDeviceClean(t, d, "com.example.app")
}

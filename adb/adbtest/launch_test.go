package adbtest

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/selabel"
)

const tracedPkg = "com.example.traced"

// startTracedApp starts a Magisk phone with one app whose program records
// who it runs as, then sleeps like an app waiting for input.
func startTracedApp(t *testing.T, sdk int, name string) (*Device, *Server) {
	t.Helper()
	prog := writeScript(t, `echo "$(id -un) $(pwd) $TCPSNITCH_SIM_PROPS $TCPSNITCH_SIM_LOGCAT" > app-ran
exec sleep 60
`)
	d, s := startConnected(t, Config{Root: RootSuC, SDK: sdk, Packages: []Package{
		{Name: name, Launcher: ".Main", Program: prog},
	}})
	s.Run(t, "-s", d.Addr(), "push", buildMarkerLib(t), "/data/local/tmp/libmarker.so")
	return d, s
}

// launchAndWait starts the app with `how` and waits until its program ran.
func launchAndWait(t *testing.T, s *Server, d *Device, pkg, how string) {
	t.Helper()
	os.Remove(d.Path("/data/data/" + pkg + "/app-ran"))
	sh(t, s, d, how)
	if !waitFile(t, d.Path("/data/data/"+pkg+"/app-ran"), 20*time.Second) {
		t.Fatalf("%s did not start (output: %s)", pkg, d.AppOutput(pkg))
	}
}

func stopApp(t *testing.T, s *Server, d *Device, pkg string) {
	t.Helper()
	sh(t, s, d, "am force-stop "+pkg)
	if err := d.WaitAppExit(pkg, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if out := sh(t, s, d, "pidof "+pkg+"; echo rc=$?"); out != "rc=1\n" {
		t.Fatalf("pidof after force-stop: %q", out)
	}
}

func TestLaunchHonoursWrapAndLibraryLabels(t *testing.T) {
	d, s := startTracedApp(t, 30, tracedPkg)
	data := "/data/data/" + tracedPkg
	marker := d.Path(data + "/preload-marker")

	// Untraced launch: the program runs as the app in its data dir.
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if got := readFile(t, d.Path(data+"/app-ran")); got != "u0_a100 "+data+" "+propsFile+" "+logcatFile+"\n" {
		t.Fatalf("app-ran: %q", got)
	}
	pid := d.AppPID(tracedPkg)
	if out := sh(t, s, d, "pidof "+tracedPkg); out != fmt.Sprintf("%d\n", pid) || pid == 0 {
		t.Fatalf("pidof = %q, AppPID = %d", out, pid)
	}
	mustContain(t, sh(t, s, d, "ps -A"), fmt.Sprintf(" %d ", pid))
	mustContain(t, sh(t, s, d, "am start -n "+tracedPkg+"/.Main"), "Activity not started")
	stopApp(t, s, d, tracedPkg)

	// A library left in /data/local/tmp may not be mapped by the app: from
	// API 22 the linker's failure is fatal, the app does not start.
	sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` LD_PRELOAD=/data/local/tmp/libmarker.so"`)
	launchFails(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	logcat := d.Logcat()
	mustContain(t, logcat, `avc: denied { execute } for path="/data/local/tmp/libmarker.so"`)
	mustContain(t, logcat, `F libc    : CANNOT LINK EXECUTABLE "/system/bin/app_process64": couldn't map "/data/local/tmp/libmarker.so" segment 1: Permission denied`)

	// Moved into the app's directory, it keeps its label: still refused.
	sh(t, s, d, `cp /data/local/tmp/libmarker.so /data/local/tmp/libmoved.so`)
	waitLabel(t, d, "/data/local/tmp/libmoved.so", "u:object_r:shell_data_file:s0")
	sh(t, s, d, `su -c "mv /data/local/tmp/libmoved.so `+data+`/ && chown u0_a100:u0_a100 `+data+`/libmoved.so"`)
	sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` LD_PRELOAD=`+data+`/libmoved.so"`)
	launchFails(t, s, d, tracedPkg, "monkey -p "+tracedPkg+" -c android.intent.category.LAUNCHER 1")
	mustContain(t, d.Logcat(), `path="`+data+`/libmoved.so"`)

	// Copied in, owned by the app and restorecon'd: loaded.
	sh(t, s, d, `su -c "cp /data/local/tmp/libmarker.so `+data+`/lib.so && chown u0_a100:u0_a100 `+data+`/lib.so && restorecon `+data+`/lib.so"`)
	sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` LD_PRELOAD=`+data+`/lib.so"`)
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if !waitFile(t, marker, 10*time.Second) {
		t.Fatalf("library in the app's directory not loaded; logcat:\n%s", d.Logcat())
	}
	mustContain(t, readFile(t, marker), " 10100\n")
	stopApp(t, s, d, tracedPkg)

	// Clearing wrap.<pkg> makes the next launch untraced again.
	os.Remove(marker)
	sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` ''"`)
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("library loaded after wrap was cleared")
	}
}

// Before API 26 zygote reads a truncated property name.
func TestLaunchReadsTruncatedWrapBeforeAPI26(t *testing.T) {
	pkg := "com.example.averyverylongname.app" // "wrap." + 31st char is '.'
	want := "wrap.com.example.averyverylongn"
	if got := wrapPropName(pkg, 25); got != want[:30] && got != want {
		t.Fatalf("wrapPropName = %q", got)
	}
	name := wrapPropName(pkg, 25)
	d, s := startTracedApp(t, 25, pkg)
	data := "/data/data/" + pkg
	sh(t, s, d, `su -c "cp /data/local/tmp/libmarker.so `+data+`/lib.so && chown u0_a100:u0_a100 `+data+`/lib.so && restorecon `+data+`/lib.so"`)
	out := sh(t, s, d, `su -c "setprop wrap.`+pkg+` LD_PRELOAD=`+data+`/lib.so"; echo rc=$?`)
	mustContain(t, out, "setprop: failed to set property") // the full name is too long
	sh(t, s, d, `su -c "setprop `+name+` LD_PRELOAD=`+data+`/lib.so"`)
	launchAndWait(t, s, d, pkg, "am start -n "+pkg+"/.Main")
	if !waitFile(t, d.Path(data+"/preload-marker"), 10*time.Second) {
		t.Fatalf("truncated wrap property not honoured; logcat:\n%s", d.Logcat())
	}
}

// launchFails starts the app with how and checks that its process died
// before running the program (the linker refused a preload).
func launchFails(t *testing.T, s *Server, d *Device, pkg, how string) {
	t.Helper()
	os.Remove(d.Path("/data/data/" + pkg + "/app-ran"))
	sh(t, s, d, how)
	if err := d.WaitAppExit(pkg, 20*time.Second); err != nil {
		t.Fatalf("%s kept running: %v", pkg, err)
	}
	if _, err := os.Stat(d.Path("/data/data/" + pkg + "/app-ran")); err == nil {
		t.Fatalf("%s ran its program although the linker failed", pkg)
	}
	if out := sh(t, s, d, "ps | grep -c ' "+pkg+"$'"); d.cfg.SDK < 26 && out != "0\n" {
		t.Fatalf("ps after a failed start: %q", out)
	}
}

// bionic: a preload that fails to load is a warning on 5.0 (API 21) and
// fatal from 5.1 (API 22), with the message on stderr only until 6.0 and
// in logcat from 7.0.
func TestLinkerPreloadFailurePerSDK(t *testing.T) {
	for _, sdk := range []int{21, 22, 24} {
		t.Run(fmt.Sprint(sdk), func(t *testing.T) {
			d, s := startTracedApp(t, sdk, tracedPkg)
			sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` LD_PRELOAD=/data/data/`+tracedPkg+`/missing.so"`)
			switch sdk {
			case 21:
				launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
				mustContain(t, d.Logcat(), `W linker  : Warning: could not load library "/data/data/`+tracedPkg+`/missing.so" from LD_PRELOAD for "/system/bin/app_process64"; caught error: library "/data/data/`+tracedPkg+`/missing.so" not found`)
			case 22:
				launchFails(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
				mustNotContain(t, d.Logcat(), "CANNOT LINK")
				mustContain(t, d.AppOutput(tracedPkg), `CANNOT LINK EXECUTABLE: library "/data/data/`+tracedPkg+`/missing.so" not found`)
			case 24:
				launchFails(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
				mustContain(t, d.Logcat(), `CANNOT LINK EXECUTABLE "/system/bin/app_process64": library "/data/data/`+tracedPkg+`/missing.so" not found`)
			}
		})
	}
}

// Android 5.x toolbox: id ignores -u, no pidof, no uname; ps filters by
// name and takes -A for one.
func TestToolboxOfAndroid5(t *testing.T) {
	d, s := startTracedApp(t, 22, tracedPkg)
	mustContain(t, sh(t, s, d, "id -u"), "uid=2000(shell) gid=2000(shell)")
	mustContain(t, sh(t, s, d, `su -c "id -u"`), "uid=0(root)")
	mustContain(t, sh(t, s, d, "pidof x; echo rc=$?"), "rc=127")
	mustContain(t, sh(t, s, d, "uname -r; echo rc=$?"), "rc=127")
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	pid := fmt.Sprint(d.AppPID(tracedPkg))
	mustContain(t, sh(t, s, d, "ps"), " "+pid+" ")
	mustContain(t, sh(t, s, d, "ps "+tracedPkg), " "+pid+" ")
	mustNotContain(t, sh(t, s, d, "ps -A"), " "+pid+" ")
	d2, s2 := startTracedApp(t, 23, tracedPkg)
	if out := sh(t, s2, d2, "id -u"); out != "2000\n" {
		t.Errorf("toybox id -u on API 23: %q", out)
	}
}

// Android 12: wrap.<pkg> is ignored until zygote restarts with the Java
// fork loop forced.
func TestAndroid12ForkLoopIgnoresWrap(t *testing.T) {
	d, s := startTracedApp(t, 31, tracedPkg)
	data := "/data/data/" + tracedPkg
	marker := d.Path(data + "/preload-marker")
	sh(t, s, d, `su -c "cp /data/local/tmp/libmarker.so `+data+`/lib.so && chown u0_a100:u0_a100 `+data+`/lib.so && restorecon `+data+`/lib.so"`)
	sh(t, s, d, `su -c "setprop wrap.`+tracedPkg+` LD_PRELOAD=`+data+`/lib.so"`)
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("Android 12's native fork loop honoured wrap")
	}
	stopApp(t, s, d, tracedPkg)
	sh(t, s, d, `su -c "setprop dalvik.vm.force-java-zygote-fork-loop true"`)
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the property acted before zygote restarted")
	}
	stopApp(t, s, d, tracedPkg)
	sh(t, s, d, `su -c "stop && start"`)
	launchAndWait(t, s, d, tracedPkg, "am start -n "+tracedPkg+"/.Main")
	if !waitFile(t, marker, 10*time.Second) {
		t.Fatalf("wrap not honoured after the zygote restart; logcat:\n%s", d.Logcat())
	}
}

func TestWrapPropName(t *testing.T) {
	cases := []struct {
		process string
		sdk     int
		want    string
	}{
		{"com.example.app", 21, "wrap.com.example.app"},
		{"com.example.abcdefghijklmnopqrstuvwxyz", 25, "wrap.com.example.abcdefghijklmn"},
		{"com.example.abcdefghijklm.nopqrstuvwxyz", 25, "wrap.com.example.abcdefghijklm"},
		{"com.example.abcdefghijklmnopqrstuvwxyz", 26, "wrap.com.example.abcdefghijklmnopqrstuvwxyz"},
	}
	for _, c := range cases {
		if got := wrapPropName(c.process, c.sdk); got != c.want || (c.sdk < 26 && len(got) > 31) {
			t.Errorf("wrapPropName(%q, %d) = %q, want %q", c.process, c.sdk, got, c.want)
		}
		if c.sdk < 26 && strings.HasSuffix(c.want, ".") {
			t.Errorf("%q ends with a dot", c.want)
		}
	}
}

// waitLabel waits until a file created in /data/local/tmp was labelled.
func waitLabel(t *testing.T, d *Device, devicePath, want string) {
	t.Helper()
	buf := make([]byte, 256)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if n, err := syscall.Getxattr(d.Path(devicePath), selabel.XattrName, buf); err == nil && string(buf[:n]) == want {
			return
		}
	}
	t.Fatalf("%s never labelled %s", devicePath, want)
}

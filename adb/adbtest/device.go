package adbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/simproto"
)

// Package is an app installed on the simulated phone. Program is a host path
// to a real Linux program (copied into the device) that runs as the app's
// process when the app is launched; Args are its arguments, as seen inside
// the device.
type Package struct {
	Name        string
	VersionName string // default "1.0"
	PrimaryABI  string // primaryCpuAbi; "" prints null (an app without native code)
	Launcher    string // launcher activity, ".MainActivity" or fully qualified; "" = none
	Debuggable  bool
	Program     string
	Args        []string
	// Domain is the app's SELinux domain (seapp_contexts): "" or
	// "untrusted_app" (ordinary), "priv_app", "platform_app" (signed with
	// the platform key: dumpsys shows the same signature as package
	// "android") or "system_app" (also runs as the system uid, 1000).
	Domain string
	// RestartedBehind: something on the phone (a push message, a job)
	// starts the app again, untraced unless wrap.<pkg> is set by then, on
	// the first property change after its first force-stop.
	RestartedBehind bool
	// Users are the Android users the app is installed for (default: 0,
	// the owner). A work profile or a secondary user is user 10 or above;
	// its copy runs as uid user*100000+appId with its data in
	// /data/user/<user>/<pkg>, and user 0's commands (pm list packages,
	// am start, run-as) do not see an app user 0 lacks.
	Users []int
}

// Root variants of Config.Root.
const (
	RootAdb  = "adb-root" // userdebug build: `adb root` works; AOSP su in /system/xbin
	RootSuC  = "su-c"     // user build with Magisk: `su -c "<cmd>"`
	RootSu0  = "su-0"     // userdebug build with AOSP su only: `su 0 sh -c …`
	RootNone = "none"     // user build without root
)

// Config describes the simulated phone. Zero values get the defaults noted.
type Config struct {
	Model, Product, Device string   // default "Sim Phone", "sim_phone", "simphone"
	SDK                    int      // ro.build.version.sdk, default 30
	ABIs                   []string // ro.product.cpu.abilist, default x86_64,x86
	Root                   string   // RootAdb, RootSuC, RootSu0 or RootNone (default)
	Unauthorized           bool     // answer CNXN with AUTH and never accept
	SELinuxPermissive      bool     // start permissive (default: enforcing)
	Packages               []Package
	// NativeBridge is ro.dalvik.vm.native.bridge (e.g.
	// "libndk_translation.so"): ARM ABIs listed in ABIs after the native
	// ones run through it, inside the native zygote's process.
	NativeBridge string
	// OnCommand, when set, is called with the argv of every Android
	// command the device plays (getprop, setprop, am …) before it runs.
	OnCommand func(argv []string)
	// Props adds or overrides system properties.
	Props map[string]string
	// SuPrompt (RootSuC): Magisk has no policy yet for the shell, so its
	// first su asks the user on the phone's screen and waits for the
	// answer; see SuPrompt. The zero value: the shell is already allowed.
	SuPrompt SuPrompt
	// SuDenied (RootSuC): Magisk's policy for the shell is Deny (or its
	// Superuser access excludes ADB): su prints "Permission denied" and
	// exits 13 (EACCES) at once.
	SuDenied bool
}

// SuPrompt is Magisk's superuser request for the shell (uid 2000): the su
// client waits while the prompt is up. After Answer, a Grant (the prompt's
// default duration, "Forever") is remembered and later su calls pass at
// once; a Deny (tapped, or Magisk's automatic answer when its request
// timeout of 10-60 s ends the prompt) fails this su, and the next su asks
// again.
type SuPrompt struct {
	Answer time.Duration // 0: no prompt
	Deny   bool
}

// Device is a simulated Android phone listening for the adb server.
type Device struct {
	t    testing.TB
	cfg  Config
	root string // host directory holding the device's file system
	ln   net.Listener

	holder    *exec.Cmd // keeps the device's mount namespace alive
	holderPID int
	broker    *net.UnixListener
	packages  map[string]*pkgInfo
	inotify   *os.File // see watchShellData

	mu        sync.Mutex
	props     map[string]string
	adbRoot   bool
	enforcing bool
	apps      map[string]*appProc
	conns     map[*conn]bool
	children  map[*exec.Cmd]bool
	stopped   bool
	// zygoteJavaLoop is dalvik.vm.force-java-zygote-fork-loop as zygote
	// read it when it (re)started; zygoteStopped after `stop`.
	zygoteJavaLoop bool
	zygoteStopped  bool
	restartState   map[string]int // RestartedBehind: 1 = restart pending, 2 = done
	suGranted      bool           // SuPrompt answered with Grant
	commands       [][]string     // every Android command played, in order

	logMu sync.Mutex // appends to the logcat file
}

// Start builds the device's file system, starts its mount namespace and its
// adb endpoint on a loopback port outside the adb server's emulator range,
// and stops everything at the end of the test.
func Start(t testing.TB, cfg Config) *Device {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("adbtest: the simulated device needs root (mount namespace, chroot, setuid)")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("adbtest: nsenter (util-linux) not found")
	}
	cfg = withDefaults(cfg)
	d := &Device{t: t, cfg: cfg, root: filepath.Join(t.TempDir(), "device"),
		props: map[string]string{}, enforcing: !cfg.SELinuxPermissive,
		apps: map[string]*appProc{}, conns: map[*conn]bool{}, children: map[*exec.Cmd]bool{},
		packages: map[string]*pkgInfo{}, restartState: map[string]int{}}
	t.Cleanup(d.stop)
	for i, p := range cfg.Packages {
		if p.Name == "" {
			t.Fatalf("adbtest: package %d has no name", i)
		}
		uid := firstAppUID + i
		if p.Domain == "system_app" {
			uid = uidSystem // android:sharedUserId="android.uid.system"
		}
		d.packages[p.Name] = &pkgInfo{Package: p, uid: uid}
	}
	if err := d.buildRootFS(); err != nil {
		t.Fatalf("adbtest: device file system: %v", err)
	}
	d.initProps()
	d.zygoteJavaLoop = d.props["dalvik.vm.force-java-zygote-fork-loop"] == "true"
	if err := d.watchShellData(); err != nil {
		t.Fatalf("adbtest: inotify: %v", err)
	}
	// The namespace first: goroutines started afterwards see d.holderPID.
	if err := d.startNamespace(); err != nil {
		t.Fatalf("adbtest: %v", err)
	}
	if err := d.startBroker(); err != nil {
		t.Fatalf("adbtest: %v", err)
	}
	ln, err := listenOutsideEmulatorPorts()
	if err != nil {
		t.Fatalf("adbtest: listen: %v", err)
	}
	d.ln = ln
	go d.acceptLoop()
	return d
}

func withDefaults(cfg Config) Config {
	if cfg.Model == "" {
		cfg.Model = "Sim Phone"
	}
	if cfg.Product == "" {
		cfg.Product = "sim_phone"
	}
	if cfg.Device == "" {
		cfg.Device = "simphone"
	}
	if cfg.SDK == 0 {
		cfg.SDK = 30
	}
	if len(cfg.ABIs) == 0 {
		cfg.ABIs = []string{"x86_64", "x86"}
	}
	if cfg.Root == "" {
		cfg.Root = RootNone
	}
	return cfg
}

// listenOutsideEmulatorPorts avoids 5555–5585, which the adb server probes
// as emulator consoles on its own.
func listenOutsideEmulatorPorts() (net.Listener, error) {
	var rejected []net.Listener
	defer func() {
		for _, l := range rejected {
			l.Close()
		}
	}()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if port < 5555 || port > 5585 {
			return ln, nil
		}
		rejected = append(rejected, ln)
	}
	return nil, fmt.Errorf("no free port outside 5555-5585")
}

func (d *Device) acceptLoop() {
	for {
		nc, err := d.ln.Accept()
		if err != nil {
			return
		}
		go d.serveConn(nc)
	}
}

func (d *Device) trackConn(c *conn, add bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if add {
		d.conns[c] = true
	} else {
		delete(d.conns, c)
	}
}

// banner is the CNXN payload. No shell_v2: like an old phone, the adb server
// and gadb use the legacy `shell:` service (raw merged output, no exit
// status). fixed_push_mkdir: the device creates parent directories on SEND.
func (d *Device) banner() string {
	return fmt.Sprintf("device::ro.product.name=%s;ro.product.model=%s;ro.product.device=%s;features=fixed_push_mkdir",
		d.cfg.Product, d.cfg.Model, d.cfg.Device)
}

// Addr is "127.0.0.1:PORT", the serial the adb server shows after connect.
func (d *Device) Addr() string { return d.ln.Addr().String() }

// Serial is the same as Addr.
func (d *Device) Serial() string { return d.Addr() }

// Path is the host path of a file inside the device (devicePath is absolute
// on the device, e.g. /data/data/<pkg>/x).
func (d *Device) Path(devicePath string) string {
	return filepath.Join(d.root, filepath.Clean("/"+devicePath))
}

// IsAdbRoot reports whether `adb root` has restarted adbd as root.
func (d *Device) IsAdbRoot() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.adbRoot
}

// Commands returns the argv of every Android command the device played so
// far (getprop, su, pm …), in order: what a real phone would have been
// asked to run.
func (d *Device) Commands() [][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]string(nil), d.commands...)
}

// Enforcing reports the current SELinux mode (setenforce changes it).
func (d *Device) Enforcing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.enforcing
}

// Logcat is the content of the device's log buffer: lines the simulated
// system wrote (linker warnings, SELinux denials, property refusals) and
// lines the shim logged through $TCPSNITCH_SIM_LOGCAT.
func (d *Device) Logcat() string {
	b, _ := os.ReadFile(d.Path(logcatFile))
	return string(b)
}

// InjectListEntry makes the device's sync LIST of dir report one more
// entry, name, whatever it is ("../x", "a/b"): a hostile or broken device.
func (d *Device) InjectListEntry(dir, name string) {
	p := d.Path(simproto.ListExtraFile)
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		d.t.Fatalf("adbtest: %v", err)
	}
	fmt.Fprintf(f, "%s\t%s\n", dir, name)
	f.Close()
}

func (d *Device) stop() {
	d.mu.Lock()
	d.stopped = true
	conns := d.conns
	d.conns = map[*conn]bool{}
	var procs []*exec.Cmd
	for c := range d.children {
		procs = append(procs, c)
	}
	for _, a := range d.apps {
		procs = append(procs, a.cmd)
	}
	d.mu.Unlock()
	if d.ln != nil {
		d.ln.Close()
	}
	for c := range conns {
		c.drop()
	}
	if d.broker != nil {
		d.broker.Close()
	}
	if d.inotify != nil {
		d.inotify.Close()
	}
	for _, c := range procs {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
	if d.holder != nil && d.holder.Process != nil {
		d.holder.Process.Kill()
		d.holder.Wait()
	}
	// Let killed apps finish so t.TempDir can remove the device's files.
	for _, a := range d.appList() {
		select {
		case <-a.exited:
		case <-time.After(5 * time.Second):
		}
	}
}

func (d *Device) appList() []*appProc {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*appProc
	for _, a := range d.apps {
		out = append(out, a)
	}
	return out
}

func (d *Device) logf(format string, args ...any) {
	d.mu.Lock()
	stopped := d.stopped
	d.mu.Unlock()
	if !stopped {
		d.t.Logf("adbtest %s: "+format, append([]any{d.Addr()}, args...)...)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func splitLines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

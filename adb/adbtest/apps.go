package adbtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pkgInfo is an installed package with its app uid.
type pkgInfo struct {
	Package
	uid int
}

func (p *pkgInfo) dataDir() string { return "/data/data/" + p.Name }

// users the package is installed for; none configured means the owner.
func (p *pkgInfo) users() []int {
	if len(p.Users) == 0 {
		return []int{0}
	}
	return p.Users
}

func (p *pkgInfo) installedFor(user int) bool {
	for _, u := range p.users() {
		if u == user {
			return true
		}
	}
	return false
}

// ownerPackage is the package as user 0 sees it (the user adb's shell
// commands act for by default): nil when not installed for user 0.
func (d *Device) ownerPackage(name string) *pkgInfo {
	if p := d.packages[name]; p != nil && p.installedFor(0) {
		return p
	}
	return nil
}

// users are the device's Android users: the owner and every user a
// package is installed for.
func (d *Device) users() []int {
	seen := map[int]bool{0: true}
	out := []int{0}
	for _, p := range d.sortedPackages() {
		for _, u := range p.users() {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Ints(out)
	return out
}

// domain is the app's SELinux domain (untrusted_app unless configured).
func (p *pkgInfo) domain() string {
	if p.Domain == "" {
		return "untrusted_app"
	}
	return p.Domain
}

// platformSigned: platform_app and system_app are signed with the
// platform key (mac_permissions.xml gives them seinfo "platform").
func (p *pkgInfo) platformSigned() bool {
	return p.Domain == "platform_app" || p.Domain == "system_app"
}

func (p *pkgInfo) programPath() string {
	return "/data/app/" + p.Name + "-1/bin/" + path.Base(p.Program)
}

// fullActivity is the launcher activity's class name.
func (p *pkgInfo) fullActivity() string {
	if strings.HasPrefix(p.Launcher, ".") {
		return p.Name + p.Launcher
	}
	return p.Launcher
}

// component is the short form Android prints: pkg/.Activity when the class
// is in the package, else pkg/full.Class.
func (p *pkgInfo) component() string {
	act := p.fullActivity()
	if rest, ok := strings.CutPrefix(act, p.Name+"."); ok {
		return p.Name + "/." + rest
	}
	return p.Name + "/" + act
}

// appProc is a running (or finished) app process.
type appProc struct {
	pkg    *pkgInfo
	cmd    *exec.Cmd
	output *lockedBuffer
	exited chan struct{}
	named  atomic.Bool  // past the linker (see namedApp)
	pid    atomic.Int64 // the app process itself (the wrapper shell may fork it)
}

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

func (a *appProc) running() bool {
	select {
	case <-a.exited:
		return false
	default:
		return true
	}
}

// appEnv is what an app process gets, plus the simulation's contract with
// the shim's android-sim build (docs/internals.md).
func appEnv() []string {
	return []string{"PATH=" + devicePATH, "ANDROID_DATA=/data", "ANDROID_ROOT=/system",
		"ANDROID_STORAGE=/storage", "EXTERNAL_STORAGE=/sdcard",
		"TCPSNITCH_SIM_PROPS=" + propsFile, "TCPSNITCH_SIM_LOGCAT=" + logcatFile}
}

// launch starts the app's process like zygote: when wrap.<process> (name
// truncated before API 26) is non-empty, through
// `/system/bin/sh -c "<wrap> <app_process …>"`, as the app's uid in its data
// directory. It returns false when the process was already running.
//
// Android 12 and 12L (API 31-32) serve most launches from zygote's native
// fork loop, which ignores wrap.<process> (bionic's
// libc/malloc_debug/README.md: "Android 12 introduced a bug that can cause
// the wrap.<APP> property to no longer work"); the Java loop, which honours
// it, is used when zygote started with dalvik.vm.force-java-zygote-fork-loop
// true (frameworks/base AndroidRuntime.cpp turns it into
// -XX:ForceJavaZygoteForkLoop), so setting it needs a zygote restart.
func (d *Device) launch(p *pkgInfo) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a := d.apps[p.Name]; a != nil && a.running() {
		return false, nil
	}
	if p.Program == "" {
		return false, fmt.Errorf("package %s has no program", p.Name)
	}
	if d.zygoteStopped {
		return false, fmt.Errorf("zygote is not running")
	}
	argv := append([]string{"/system/bin/app_process", "--nice-name=" + p.Name, p.programPath()}, p.Args...)
	wrap := d.props[wrapPropName(p.Name, d.cfg.SDK)]
	if d.cfg.SDK >= 31 && d.cfg.SDK <= 32 && !d.zygoteJavaLoop {
		wrap = "" // the native fork loop never looks at it
	}
	if wrap != "" {
		argv = []string{"/system/bin/sh", "-c", wrap + " " + shellJoin(argv)}
	}
	cmd := d.command(p.uid, p.dataDir(), appEnv(), argv...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return false, err
	}
	a := &appProc{pkg: p, cmd: cmd, output: out, exited: make(chan struct{})}
	d.apps[p.Name] = a
	go func() {
		cmd.Wait()
		close(a.exited)
	}()
	d.logcatf(cmd.Process.Pid, "I", "ActivityManager", "Start proc %d:%s/%s for activity {%s}",
		cmd.Process.Pid, p.Name, appUserName(p.uid), p.component())
	return true, nil
}

// processABI is the ABI of the app's process: zygote64 serves every ABI of
// ro.product.cpu.abilist64 and zygote (32) those of abilist32, each with
// the device's native instruction set (the first of its list); ABIs after
// the first run through the native bridge inside that process. An app
// without native code gets the device's first ABI.
func (d *Device) processABI(p *pkgInfo) string {
	abi := p.PrimaryABI
	if abi == "" {
		return d.cfg.ABIs[0]
	}
	for _, list := range []string{d.Prop("ro.product.cpu.abilist64"), d.Prop("ro.product.cpu.abilist32")} {
		abis := strings.Split(list, ",")
		for _, a := range abis {
			if a == abi {
				return abis[0]
			}
		}
	}
	return abi
}

// forceStop kills the app's process group with SIGKILL, as
// ActivityManager does, and waits for it to be gone.
func (d *Device) forceStop(pkg string) {
	d.mu.Lock()
	a := d.apps[pkg]
	if p := d.packages[pkg]; p != nil && p.RestartedBehind && d.restartState[pkg] == 0 {
		d.restartState[pkg] = 1
	}
	d.mu.Unlock()
	if a == nil || !a.running() {
		return
	}
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-a.exited:
	case <-time.After(10 * time.Second):
	}
	d.logcatf(0, "I", "ActivityManager", "Force stopping %s appid=%d user=0: from pid 0", pkg, a.pkg.uid)
}

// firePendingRestarts starts the apps that something on the phone
// restarts behind tcpsnitch's back (Package.RestartedBehind).
func (d *Device) firePendingRestarts() {
	d.mu.Lock()
	var due []*pkgInfo
	for name, st := range d.restartState {
		if st == 1 {
			d.restartState[name] = 2
			due = append(due, d.packages[name])
		}
	}
	d.mu.Unlock()
	for _, p := range due {
		d.logcatf(0, "I", "ActivityManager", "Start proc for broadcast {%s/.PushReceiver}", p.Name)
		if _, err := d.launch(p); err != nil {
			d.logf("restarting %s behind: %v", p.Name, err)
		}
	}
}

// stopZygote is `stop` (init stops zygote and with it every app);
// startZygote is `start`, which re-reads the zygote's properties.
func (d *Device) stopZygote() {
	d.mu.Lock()
	d.zygoteStopped = true
	var apps []string
	for name := range d.apps {
		apps = append(apps, name)
	}
	d.mu.Unlock()
	for _, name := range apps {
		d.forceStop(name)
	}
}

func (d *Device) startZygote() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zygoteStopped = false
	d.zygoteJavaLoop = d.props["dalvik.vm.force-java-zygote-fork-loop"] == "true"
}

func (d *Device) runningApp(pkg string) *appProc {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a := d.apps[pkg]; a != nil && a.running() {
		return a
	}
	return nil
}

// namedApp is the package's running process once it carries its name:
// on a phone the process takes the package name (pidof, ps) only after the
// linker has loaded its libraries and the runtime started; here, once the
// simulated linker has let app_process go on to exec the program.
//
// The simulated linker answers before app_process execs the program, so the
// name is given only once that exec is done (the process no longer runs
// simctl): on a phone the libraries are mapped by then, and a reader of
// /proc/<pid>/maps must find them.
func (d *Device) namedApp(pkg string) *appProc {
	if a := d.runningApp(pkg); a != nil && a.named.Load() && d.pastExec(a.appPid()) {
		return a
	}
	return nil
}

// pastExec tells whether process pid has left the simulated app_process
// (simctl) for the app's program.
func (d *Device) pastExec(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return err == nil && exe != d.Path("/system/bin/simctl")
}

// markNamed records that the process pid passed the linker. It is the
// launched process or, when the wrapper shell forked it, one of its group.
func (d *Device) markNamed(pid int) {
	pgid, _ := syscall.Getpgid(pid)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.apps {
		if a.cmd.Process != nil && (a.cmd.Process.Pid == pid || a.cmd.Process.Pid == pgid) {
			a.pid.Store(int64(pid))
			a.named.Store(true)
		}
	}
}

// appPid is the app's own process: the one that passed the linker.
func (a *appProc) appPid() int {
	if p := a.pid.Load(); p != 0 {
		return int(p)
	}
	return a.cmd.Process.Pid
}

// AppPID is the pid (in the host's pid namespace, the same as inside the
// device) of the package's running process, or 0.
func (d *Device) AppPID(pkg string) int {
	if a := d.runningApp(pkg); a != nil {
		return a.appPid()
	}
	return 0
}

// WaitAppExit waits until the package's last launched process has exited.
func (d *Device) WaitAppExit(pkg string, timeout time.Duration) error {
	d.mu.Lock()
	a := d.apps[pkg]
	d.mu.Unlock()
	if a == nil {
		return fmt.Errorf("adbtest: %s was never launched", pkg)
	}
	select {
	case <-a.exited:
		return nil
	case <-time.After(timeout):
		return errors.New("adbtest: " + pkg + " still running after " + timeout.String())
	}
}

// AppOutput is what the package's last process wrote to stdout and stderr
// (on a phone it goes nowhere; kept here to debug tests).
func (d *Device) AppOutput(pkg string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a := d.apps[pkg]; a != nil {
		return a.output.String()
	}
	return ""
}

// AppExitCode is the exit status of the package's last process (-1 while it
// runs or if it was killed or never launched).
func (d *Device) AppExitCode(pkg string) int {
	d.mu.Lock()
	a := d.apps[pkg]
	d.mu.Unlock()
	if a == nil || a.running() {
		return -1
	}
	return a.cmd.ProcessState.ExitCode()
}

// shellJoin quotes words for /system/bin/sh.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

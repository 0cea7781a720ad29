package android

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
)

// LaunchOptions is what `tcpsnitch -a` needs.
type LaunchOptions struct {
	Query           string // package name, or a part of one
	Shim            string // --shim: a library to install instead of the built one
	LibDir          string // where the built shims live (android-<abi>/)
	HostDir         string // -d: host trace directory; "" makes a new one
	NoUpload        bool   // -n, recorded for -k
	Prompt          bool   // -p, recorded for -k
	Options         runner.ShimOptions
	AllowPermissive bool // may switch SELinux to permissive if root alone cannot set wrap.<pkg>
	// RestartZygote: on Android 12/12L, the user agrees that tcpsnitch sets
	// dalvik.vm.force-java-zygote-fork-loop and restarts zygote (which
	// restarts the phone's whole UI) so that wrap.<pkg> is honoured.
	RestartZygote bool
	Log           io.Writer // progress messages
}

// CaptureError: -c asked for packet capture, which an app cannot do.
var CaptureError = errors.New("-c (packet capture) cannot work inside an Android app: apps have no CAP_NET_RAW and SELinux forbids them packet sockets; drop -c (and capture in the config file) for -a")

// ForkLoopError: Android 12 would start the app untraced.
type ForkLoopError struct {
	Package string
	SDK     int
}

func (e *ForkLoopError) Error() string {
	return fmt.Sprintf("Android 12 (API %d) starts apps from zygote's native fork loop, which ignores wrap.%s, so %s would run untraced; "+
		"rerun with --restart-zygote to let tcpsnitch set dalvik.vm.force-java-zygote-fork-loop=true and restart zygote "+
		"(the phone's UI restarts; a reboot undoes it)", e.SDK, e.Package, e.Package)
}

// RootNeededError: the step that needs root, and how to get it.
type RootNeededError struct{ Step string }

func (e *RootNeededError) Error() string {
	return fmt.Sprintf("%s needs root, and the device has none (no su, adbd cannot run as root): "+
		"use a rooted phone (Magisk), or a userdebug/eng build or an emulator image without Play Store, where `adb root` works", e.Step)
}

// Launch prepares the device and starts the app under the shim, then
// checks that the app runs with the shim loaded. On failure, or when ctx
// is cancelled (Ctrl-C), what it changed on the device is undone.
func Launch(ctx context.Context, dev adb.Device, o LaunchOptions) (_ *Session, err error) {
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	if o.Options.Capture {
		return nil, CaptureError
	}
	d := adb.WithContext(ctx, dev) // cleanup uses dev: it must run after a cancel
	pkg, err := findPackage(d, o.Query)
	if err != nil {
		return nil, err
	}
	if others, err := otherSessions(d, pkg); err != nil {
		return nil, err
	} else if len(others) > 0 {
		// debug.tcpsnitch.* are global: two sessions would share one -d.
		return nil, fmt.Errorf("a tcpsnitch session for %s is still open on %s: finish it first with `tcpsnitch -k %s`", others[0], d.Serial(), others[0])
	}
	info, err := adb.Package(d, pkg)
	if err != nil {
		return nil, err
	}
	if err := checkDomain(d, info); err != nil {
		return nil, err
	}
	props, err := adb.GetProps(d, "ro.build.version.sdk", "ro.product.cpu.abilist", "ro.product.cpu.abi",
		"ro.product.cpu.abilist64", "ro.product.cpu.abilist32", "dalvik.vm.force-java-zygote-fork-loop")
	if err != nil {
		return nil, err
	}
	sdk, _ := strconv.Atoi(props["ro.build.version.sdk"])
	abi, err := AppABI(info.PrimaryABI, adb.ABIList(props["ro.product.cpu.abilist"], props["ro.product.cpu.abi"]),
		adb.ABIList(props["ro.product.cpu.abilist64"], ""), adb.ABIList(props["ro.product.cpu.abilist32"], ""))
	if err != nil {
		return nil, err
	}
	shim, err := ShimFor(abi, o.LibDir, o.Shim)
	if err != nil {
		return nil, err
	}
	wrapProp := WrapProp(pkg, sdk)
	wrapValue, err := WrapValue(appLib(pkg))
	if err != nil {
		return nil, err
	}
	forkLoop := sdk >= 31 && sdk <= 32 && props["dalvik.vm.force-java-zygote-fork-loop"] != "true"
	if forkLoop && !o.RestartZygote {
		return nil, &ForkLoopError{Package: pkg, SDK: sdk}
	}
	traceProps := optionProps(o.Options, appTraceDir(pkg))

	// Root is needed for wrap.<pkg> whatever else happens: find it before
	// touching anything.
	rootKind, err := detectRoot(d, logf)
	if err != nil {
		return nil, err
	}
	if rootKind == adb.RootNone {
		return nil, &RootNeededError{Step: "setting " + wrapProp + " (the property that makes Android start the app with the shim)"}
	}
	shellUID, err := adb.UID(d)
	if err != nil {
		return nil, err
	}
	if rootKind, err = adb.EnableRoot(d, rootKind); err != nil {
		return nil, &RootNeededError{Step: "setting " + wrapProp + " (" + err.Error() + ")"}
	}
	root := adb.Root{Kind: rootKind, Sh: d}
	var files appFiles = rootFiles{root: root, uid: info.UID, shellUID: strconv.Itoa(shellUID)}
	if info.Debuggable {
		files = runAsFiles{sh: d, pkg: pkg}
	}

	hostDir, err := runner.TraceDir(o.HostDir, pkg)
	if err != nil {
		return nil, err
	}
	s := &Session{
		Package: pkg, HostDir: hostDir, NoUpload: o.NoUpload, Prompt: o.Prompt,
		ABI: abi, Lib: appLib(pkg), TraceDir: appTraceDir(pkg), WrapProp: wrapProp,
		Access: files.kind(), Root: string(rootKind),
		OptB: traceProps[PropPrefix+"b"], OptF: traceProps[PropPrefix+"f"], OptU: traceProps[PropPrefix+"u"],
		Started: time.Now().UTC().Truncate(time.Second),
	}
	logf("Tracing %s (%s, %s) on %s; traces will go to %s", pkg, abi, orNone(info.VersionName), d.Serial(), hostDir)
	if w := otherUsersWarning(info, sdk); w != "" {
		logf("%s", w)
	}

	if _, err := adb.Run(d, "am", "force-stop", pkg); err != nil {
		return nil, fmt.Errorf("stopping %s: %w", pkg, err)
	}
	// From here on the device is changed: record the session first, so that
	// -k can always clean up, and undo everything if a step fails or the
	// user interrupts (with the uncancelled device: ctx may be done).
	if err := saveSession(d, s); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			restore := rootFiles{root: adb.Root{Kind: rootKind, Sh: dev}, uid: info.UID, shellUID: strconv.Itoa(shellUID)}
			var rf appFiles = restore
			if info.Debuggable {
				rf = runAsFiles{sh: dev, pkg: pkg}
			}
			_, _ = adb.Run(dev, "am", "force-stop", pkg)
			for _, w := range cleanDevice(dev, s, rf, restore.root) {
				logf("Warning: restoring the device: %v", w)
			}
			logf("The device was restored as it was before.")
		}
	}()

	if err = d.PushFile(shim, stagedLib(pkg), 0o644); err != nil {
		return nil, fmt.Errorf("pushing the shim: %w", err)
	}
	if err = files.installLib(stagedLib(pkg), s.Lib); err != nil {
		return nil, fmt.Errorf("installing the shim in %s (%s): %w", appDir(pkg), files.kind(), err)
	}
	_, _ = adb.Run(d, "rm", "-f", stagedLib(pkg))
	if err = files.makeTraceDir(s.TraceDir); err != nil {
		return nil, fmt.Errorf("creating the trace directory %s (%s): %w", s.TraceDir, files.kind(), err)
	}
	if err = setOptionProps(d, traceProps); err != nil {
		return nil, err
	}
	if err = setWrap(d, root, s, wrapValue, o.AllowPermissive, logf); err != nil {
		return nil, err
	}
	if err = saveSession(d, s); err != nil {
		return nil, err
	}
	if forkLoop {
		if err = restartZygote(ctx, d, root, logf); err != nil {
			return nil, err
		}
	}
	seen := seenLines(d, s.Lib)
	// Anything may have started the app since the first force-stop (a push
	// message, a job): it would run untraced and `am start` would only bring
	// it to the front. Stop it again right before starting it.
	if _, err = adb.Run(d, "am", "force-stop", pkg); err != nil {
		return nil, fmt.Errorf("stopping %s: %w", pkg, err)
	}
	if serr := startApp(d, pkg, sdk); serr != nil {
		logf("Warning: %v; start %s on the phone yourself, it will be traced.", serr, pkg)
		return s, nil
	}
	logf("Started %s; checking that it runs with the shim…", pkg)
	if err = confirmTraced(ctx, d, s, files, sdk, seen); err != nil {
		return nil, err
	}
	logf("%s runs with the shim.", pkg)
	return s, nil
}

// restartZygote sets dalvik.vm.force-java-zygote-fork-loop and restarts
// zygote (`stop`, `start`), the workaround bionic's malloc_debug README
// gives for Android 12's wrap.<APP> bug, then waits until the package
// manager answers again.
func restartZygote(ctx context.Context, d adb.Device, root adb.Root, logf func(string, ...any)) error {
	logf("Restarting zygote with dalvik.vm.force-java-zygote-fork-loop=true (--restart-zygote): the phone's UI restarts.")
	if err := root.SetProp("dalvik.vm.force-java-zygote-fork-loop", "true"); err != nil {
		return err
	}
	if _, err := adb.RunLine(root, "stop && start"); err != nil {
		return fmt.Errorf("restarting zygote: %w", err)
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		if out, err := adb.Run(d, "pm", "path", "android"); err == nil && strings.Contains(out, "package:") {
			return nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("the framework did not come back within 2 minutes after restarting zygote")
}

// setWrap sets wrap.<pkg> as root. If SELinux still refuses and the user
// allowed it, SELinux is switched to permissive (and -k switches it back).
func setWrap(d adb.Device, root adb.Root, s *Session, value string, allowPermissive bool, logf func(string, ...any)) error {
	err := root.SetProp(s.WrapProp, value)
	if err == nil {
		return nil
	}
	var pe *adb.PropError
	if !errors.As(err, &pe) {
		return err
	}
	if !allowPermissive {
		return fmt.Errorf("setting %s as root was refused (%s); SELinux may forbid it on this build: "+
			"rerun with --allow-permissive to let tcpsnitch switch SELinux to permissive until -k", s.WrapProp, pe.Reason)
	}
	logf("Setting %s was refused; switching SELinux to permissive (--allow-permissive) until `tcpsnitch -k %s`.", s.WrapProp, s.Package)
	if _, err := adb.Run(root, "setenforce", "0"); err != nil {
		return fmt.Errorf("switching SELinux to permissive: %w", err)
	}
	s.Permissive = true
	return root.SetProp(s.WrapProp, value)
}

// startApp starts the app's launcher activity, with monkey as a fallback
// (it injects one input event) where `cmd package resolve-activity` is
// missing (before Android 7) or finds nothing.
func startApp(d adb.Device, pkg string, sdk int) error {
	if sdk == 0 || sdk >= 24 {
		out, err := adb.Run(d, "cmd", "package", "resolve-activity", "--brief", "-c", "android.intent.category.LAUNCHER", pkg)
		if comp := lastLine(out); err == nil && strings.Contains(comp, "/") {
			res, err := adb.Run(d, "am", "start", "-n", comp)
			if err == nil && !strings.Contains(res, "Error") {
				return nil
			}
		}
	}
	out, err := adb.Run(d, "monkey", "-p", pkg, "-c", "android.intent.category.LAUNCHER", "1")
	if err != nil || strings.Contains(out, "No activities found") || strings.Contains(out, "monkey aborted") {
		return fmt.Errorf("could not start %s's launcher activity", pkg)
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func orNone(v string) string {
	if v == "" {
		return "no version"
	}
	return "version " + v
}

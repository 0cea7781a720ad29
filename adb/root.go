package adb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// RootKind is how a shell command can get root on a device.
type RootKind string

const (
	RootNone RootKind = ""
	// RootAdbd: adbd itself runs as root (after `adb root`): every shell
	// command is root.
	RootAdbd RootKind = "adb root"
	// RootAdbOff: a userdebug/eng build whose adbd is not root yet; `adb
	// root` (the root: service) restarts it as root.
	RootAdbOff RootKind = "adb root (off)"
	// RootSuC: Magisk / SuperSU style `su -c "<command line>"`.
	RootSuC RootKind = "su -c"
	// RootSu0: AOSP su of userdebug builds, `su 0 <argv…>`.
	RootSu0 RootKind = "su 0"
)

func (k RootKind) String() string {
	if k == RootNone {
		return "no"
	}
	return string(k)
}

// RootWait is how DetectRoot waits for su. Magisk answers the shell's
// first su with a prompt on the phone's screen (Superuser request, up to a
// minute before its automatic answer); KernelSU and AOSP su answer at once.
type RootWait struct {
	// Notice, if set, is called once when su has not answered after
	// NoticeAfter (default 1 s): the user should look at the phone. Such a
	// wait also tells a denied prompt from a standing refusal.
	Notice      func()
	NoticeAfter time.Duration
	// Timeout gives up on an su that does not answer (default
	// RootGrantTimeout). It needs a Device (a plain Sheller cannot be
	// cancelled).
	Timeout time.Duration
}

// RootGrantTimeout is longer than Magisk's longest request timeout (60 s),
// after which Magisk itself answers (deny, by default).
var RootGrantTimeout = 90 * time.Second

// RootDeniedError: su is installed but did not give root to the shell.
type RootDeniedError struct {
	// Prompted: su kept us waiting before refusing, so the phone asked
	// the user (Magisk): nobody tapped Grant before its timeout, or Deny
	// was tapped. Otherwise the refusal was a standing policy.
	Prompted bool
}

func (e *RootDeniedError) Error() string {
	if e.Prompted {
		return "su did not give root: the grant request on the phone was denied or timed out (Magisk asks on the phone's screen): " +
			"unlock the phone, run again and tap Grant"
	}
	return "su refused root to the shell (Permission denied): allow Shell in the root manager " +
		"(Magisk: Superuser list, with Superuser access \"Apps and ADB\"), then retry"
}

// RootTimeoutError: su did not answer at all.
type RootTimeoutError struct{ After time.Duration }

func (e *RootTimeoutError) Error() string {
	return fmt.Sprintf("su gave no answer within %s (a root grant prompt on the phone that nobody answered?): "+
		"unlock the phone, run again and answer the prompt (Magisk: Grant)", e.After)
}

// DetectRoot finds how root is available, without changing anything on the
// device (it never restarts adbd). su variants are preferred over adb root
// because they do not drop the connection. su is run (`su -c id`), which
// on Magisk may ask the user on the phone and shows a toast: only call it
// when root is needed (DeviceInfo says what is known without running su).
func DetectRoot(sh Sheller, w RootWait) (RootKind, error) {
	uid, err := UID(sh)
	if err != nil {
		return RootNone, fmt.Errorf("checking root: %w", err)
	}
	if uid == 0 {
		return RootAdbd, nil
	}
	p := newSuProbe(sh, w)
	defer p.stop()
	// Magisk's su joins what follows -c; AOSP's su answers
	// "invalid uid/gid '-c'" to it. Plain `id`, parsed: Android 5.x's
	// toolbox id ignores -u.
	var denied error
	for _, probe := range []struct {
		argv []string
		kind RootKind
	}{{[]string{"su", "-c", "id"}, RootSuC}, {[]string{"su", "0", "id"}, RootSu0}} {
		r, err := p.run(Join(probe.argv...))
		if err != nil {
			return RootNone, err
		}
		if r.Status == 0 && isRootID(r.Output) {
			return probe.kind, nil
		}
		if suDenied(r) {
			// Magisk: asking again (`su 0`) would only ask the user again.
			denied = &RootDeniedError{Prompted: p.noticed()}
			break
		}
	}
	props, err := GetProps(sh, "ro.debuggable", "ro.build.type")
	if err == nil && props["ro.debuggable"] == "1" && props["ro.build.type"] != "user" {
		return RootAdbOff, nil
	}
	return RootNone, denied
}

// suDenied: su ran and refused. Magisk's client prints strerror(EACCES)
// and exits with EACCES (13); a shell that may not execute su at all says
// "Permission denied" too, with status 126, which is no su.
func suDenied(r Result) bool {
	return r.Status == 13 || (r.Status != 126 && strings.Contains(r.Output, "Permission denied"))
}

// suProbe runs su commands under RootWait: a notice after NoticeAfter
// without an answer, and a deadline.
type suProbe struct {
	sh     Sheller
	w      RootWait
	timer  *time.Timer
	mu     sync.Mutex
	fired  bool
	active bool
}

func newSuProbe(sh Sheller, w RootWait) *suProbe {
	if w.NoticeAfter <= 0 {
		w.NoticeAfter = time.Second
	}
	if w.Timeout <= 0 {
		w.Timeout = RootGrantTimeout
	}
	return &suProbe{sh: sh, w: w}
}

// run runs one su command line; the notice is given at most once over all
// the probe's commands.
func (p *suProbe) run(cmdline string) (Result, error) {
	sh, cancel := withTimeout(p.sh, p.w.Timeout)
	defer cancel()
	p.mu.Lock()
	p.active = true
	if !p.fired {
		p.timer = time.AfterFunc(p.w.NoticeAfter, p.notice)
	}
	p.mu.Unlock()
	r, err := sh.ShellLine(cmdline)
	p.stop()
	if err != nil && errors.Is(err, context.DeadlineExceeded) && !parentDone(p.sh) {
		return r, &RootTimeoutError{After: p.w.Timeout}
	}
	return r, err
}

func (p *suProbe) notice() {
	p.mu.Lock()
	fire := p.active && !p.fired
	p.fired = p.fired || fire
	p.mu.Unlock()
	if fire && p.w.Notice != nil {
		p.w.Notice()
	}
}

func (p *suProbe) noticed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired
}

func (p *suProbe) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = false
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

func isRootID(out string) bool {
	uid, err := ParseUID(out)
	return err == nil && uid == 0
}

// AsRoot turns a command line into one that runs as root with kind.
// RootAdbOff must first be switched on with EnableRoot.
func AsRoot(kind RootKind, cmdline string) (string, error) {
	switch kind {
	case RootAdbd:
		return cmdline, nil
	case RootSuC:
		return Join("su", "-c", cmdline), nil
	case RootSu0:
		return Join("su", "0", "sh", "-c", cmdline), nil
	case RootAdbOff:
		return "", fmt.Errorf("adbd is not running as root yet (call EnableRoot)")
	default:
		return "", ErrNoRoot
	}
}

// ErrNoRoot: the device offers no way to run a command as root.
var ErrNoRoot = fmt.Errorf("no root on the device (no su, adbd cannot run as root)")

// Root runs commands as root on one device.
type Root struct {
	Kind RootKind
	Sh   Sheller
}

// ShellLine runs cmdline as root.
func (r Root) ShellLine(cmdline string) (Result, error) {
	line, err := AsRoot(r.Kind, cmdline)
	if err != nil {
		return Result{}, err
	}
	return r.Sh.ShellLine(line)
}

// SetProp sets a property as root and checks it was really set.
func (r Root) SetProp(name, value string) error {
	return setPropWith(r.Sh, r.ShellLine, name, value)
}

// EnableRoot makes kind usable: for RootAdbOff it asks adbd to restart as
// root (`adb root`) and waits for the device to come back.
func EnableRoot(d Device, kind RootKind) (RootKind, error) {
	if kind != RootAdbOff {
		return kind, nil
	}
	if err := d.AdbRoot(); err != nil {
		return RootNone, err
	}
	return RootAdbd, nil
}

// RunAs runs argv as a debuggable app's user, in its data directory.
// run-as refuses packages that are not debuggable.
func RunAs(sh Sheller, pkg string, argv ...string) (string, error) {
	return Run(sh, append([]string{"run-as", pkg}, argv...)...)
}

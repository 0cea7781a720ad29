package adb

import (
	"fmt"
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

// DetectRoot finds how root is available, without changing anything on the
// device (it never restarts adbd). su variants are preferred over adb root
// because they do not drop the connection.
func DetectRoot(sh Sheller) (RootKind, error) {
	uid, err := UID(sh)
	if err != nil {
		return RootNone, fmt.Errorf("checking root: %w", err)
	}
	if uid == 0 {
		return RootAdbd, nil
	}
	// Magisk's su joins what follows -c; AOSP's su answers
	// "invalid uid/gid '-c'" to it. Plain `id`, parsed: Android 5.x's
	// toolbox id ignores -u.
	if r, err := sh.ShellLine(Join("su", "-c", "id")); err == nil && r.Status == 0 && isRootID(r.Output) {
		return RootSuC, nil
	}
	if r, err := sh.ShellLine(Join("su", "0", "id")); err == nil && r.Status == 0 && isRootID(r.Output) {
		return RootSu0, nil
	}
	props, err := GetProps(sh, "ro.debuggable", "ro.build.type")
	if err == nil && props["ro.debuggable"] == "1" && props["ro.build.type"] != "user" {
		return RootAdbOff, nil
	}
	return RootNone, nil
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

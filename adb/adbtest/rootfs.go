package adbtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Android ids used by the simulation (AOSP android_filesystem_config.h).
const (
	uidRoot     = 0
	uidSystem   = 1000
	uidShell    = 2000
	firstAppUID = 10100 // u0_a100, u0_a101, … in the order of Config.Packages
)

// Files inside the device that the simulation itself uses.
const (
	propsFile  = "/dev/__properties__/props" // $TCPSNITCH_SIM_PROPS
	logcatFile = "/dev/log/logcat"           // $TCPSNITCH_SIM_LOGCAT
	devicePATH = "/system/bin:/system/xbin"
)

// androidCommands are played by the broker; the rest of /system/bin links to
// the host's programs (coreutils, sh …) like toybox does on a phone.
var androidCommands = []string{"getprop", "setprop", "pm", "cmd", "dumpsys", "am", "monkey",
	"pidof", "ps", "run-as", "restorecon", "getenforce", "setenforce", "logcat", "app_process",
	"start", "stop"}

// toolboxOnly: Android 5.x (API 21-22) has toolbox, not toybox: `id` is
// toolbox's (no options), and pidof and uname do not exist at all (the
// toybox versions arrived with Android 6.0).
func (d *Device) commandMissing(name string) bool {
	return d.cfg.SDK <= 22 && (name == "pidof" || name == "uname")
}

func (d *Device) commandPlayed(name string) bool {
	return d.cfg.SDK <= 22 && name == "id"
}

// hostHidden never appear in the device's PATH: a phone has no sudo, and su
// exists only in the root variants that provide it.
var hostHidden = map[string]bool{"su": true, "sudo": true, "pkexec": true, "newgrp": true,
	"chsh": true, "chfn": true, "passwd": true, "gpasswd": true, "adb": true}

type dirSpec struct {
	path     string
	uid, gid int
	mode     os.FileMode
}

func (d *Device) buildRootFS() error {
	dirs := []dirSpec{
		{"/", 0, 0, 0o755},
		{"/system", 0, 0, 0o755}, {"/system/bin", 0, 2000, 0o755}, {"/system/xbin", 0, 2000, 0o755},
		{"/system/etc", 0, 0, 0o755},
		{"/usr", 0, 0, 0o755}, {"/etc", 0, 0, 0o755}, {"/proc", 0, 0, 0o555},
		{"/dev", 0, 0, 0o755}, {"/dev/socket", 0, 0, 0o755}, {"/dev/__properties__", 0, 0, 0o755},
		{"/dev/log", 0, 0, 0o755},
		{"/data", uidSystem, uidSystem, 0o771}, {"/data/local", 0, 0, 0o751},
		{"/data/local/tmp", uidShell, uidShell, 0o771}, {"/data/data", uidSystem, uidSystem, 0o771},
		{"/data/user", uidSystem, uidSystem, 0o711}, {"/data/app", uidSystem, uidSystem, 0o771},
		{"/data/system", uidSystem, uidSystem, 0o775},
		{"/storage", 0, 0, 0o755}, {"/storage/emulated", 0, 0, 0o755},
		{"/storage/emulated/0", 0, 1015, 0o777},
	}
	for _, p := range d.sortedPackages() {
		mode := os.FileMode(0o700)
		if d.cfg.SDK < 29 {
			mode = 0o751
		}
		for _, u := range p.users() {
			if u == 0 {
				dirs = append(dirs, dirSpec{"/data/data/" + p.Name, p.uid, p.uid, mode})
				continue
			}
			uid := u*100000 + p.uid // UserHandle.getUid(user, appId)
			dirs = append(dirs, dirSpec{fmt.Sprintf("/data/user/%d", u), uidSystem, uidSystem, 0o711},
				dirSpec{fmt.Sprintf("/data/user/%d/%s", u, p.Name), uid, uid, mode})
		}
		dirs = append(dirs,
			dirSpec{"/data/app/" + p.Name + "-1", uidSystem, uidSystem, 0o755},
			dirSpec{"/data/app/" + p.Name + "-1/bin", uidSystem, uidSystem, 0o755})
	}
	for _, s := range dirs {
		h := d.Path(s.path)
		if err := os.MkdirAll(h, s.mode); err != nil {
			return err
		}
		if err := os.Chown(h, s.uid, s.gid); err != nil {
			return err
		}
		if err := os.Chmod(h, s.mode); err != nil {
			return err
		}
	}
	links := map[string]string{
		"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64",
		"/lib32": "usr/lib32", "/libx32": "usr/libx32",
		"/sdcard": "/storage/emulated/0", "/data/user/0": "/data/data",
		"/system/bin/sh": "/bin/sh",
	}
	for from, to := range links {
		if err := os.Symlink(to, d.Path(from)); err != nil {
			return err
		}
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if err := os.WriteFile(d.Path("/dev/"+n), nil, 0o666); err != nil {
			return err
		}
	}
	if err := os.WriteFile(d.Path(logcatFile), nil, 0o666); err != nil {
		return err
	}
	os.Chmod(d.Path(logcatFile), 0o666)
	if err := d.installCommands(); err != nil {
		return err
	}
	if err := d.installPackages(); err != nil {
		return err
	}
	return d.writeAccounts()
}

func (d *Device) installCommands() error {
	simctl, err := simctlBinary()
	if err != nil {
		return err
	}
	if err := copyFile(simctl, d.Path("/system/bin/simctl"), 0o755); err != nil {
		return err
	}
	provided := map[string]bool{"simctl": true, "sh": true}
	for _, name := range append(androidCommands, "id") {
		if name == "id" && !d.commandPlayed(name) {
			continue
		}
		provided[name] = true
		if d.commandMissing(name) {
			continue
		}
		if err := os.Symlink("simctl", d.Path("/system/bin/"+name)); err != nil {
			return err
		}
	}
	switch d.cfg.Root {
	case RootSuC: // Magisk puts su on the PATH of every process
		err = os.Symlink("simctl", d.Path("/system/bin/su"))
	case RootSu0, RootAdb: // AOSP su of userdebug builds
		err = os.Symlink("../bin/simctl", d.Path("/system/xbin/su"))
	case RootNone:
	default:
		return fmt.Errorf("unknown root variant %q (want %s, %s, %s or %s)", d.cfg.Root, RootAdb, RootSuC, RootSu0, RootNone)
	}
	if err != nil {
		return err
	}
	entries, err := os.ReadDir("/usr/bin")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if provided[e.Name()] || hostHidden[e.Name()] || d.commandMissing(e.Name()) {
			continue
		}
		if err := os.Symlink("/usr/bin/"+e.Name(), d.Path("/system/bin/"+e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func (d *Device) installPackages() error {
	for _, p := range d.sortedPackages() {
		dir := "/data/app/" + p.Name + "-1"
		if err := os.WriteFile(d.Path(dir+"/base.apk"), []byte("simulated apk of "+p.Name+"\n"), 0o644); err != nil {
			return err
		}
		if p.Program == "" {
			continue
		}
		if err := copyFile(p.Program, d.Path(p.programPath()), 0o755); err != nil {
			return fmt.Errorf("package %s: %v", p.Name, err)
		}
	}
	return nil
}

// writeAccounts gives names to the Android ids, so `id` and `ls -l` inside
// the device say shell, u0_a100 …; it is bind-mounted over /etc/passwd.
func (d *Device) writeAccounts() error {
	var pw, gr strings.Builder
	add := func(name string, id int, home string) {
		fmt.Fprintf(&pw, "%s:x:%d:%d::%s:/system/bin/sh\n", name, id, id, home)
		fmt.Fprintf(&gr, "%s:x:%d:\n", name, id)
	}
	add("root", 0, "/")
	add("system", uidSystem, "/data")
	add("shell", uidShell, "/")
	fmt.Fprintf(&gr, "sdcard_rw:x:1015:\nlog:x:1007:\n")
	for _, p := range d.sortedPackages() {
		add(appUserName(p.uid), p.uid, "/data/data/"+p.Name)
	}
	if err := os.WriteFile(d.Path("/system/etc/passwd"), []byte(pw.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(d.Path("/system/etc/group"), []byte(gr.String()), 0o644)
}

func appUserName(uid int) string { return fmt.Sprintf("u0_a%d", uid-10000) }

// nsSetup runs in a new private mount namespace: read-only binds of the
// host's /usr and /etc (so real Linux programs run), device nodes, /proc, then
// the holder chroots into the device, says it is ready and sleeps; commands
// enter its namespace and root with nsenter.
const nsSetup = `set -e
R="$1"
for d in usr etc; do
	mount --rbind "/$d" "$R/$d"
	mount -o remount,bind,ro "$R/$d"
done
mount --bind "$R/system/etc/passwd" "$R/etc/passwd"
mount --bind "$R/system/etc/group" "$R/etc/group"
mount -t proc proc "$R/proc" 2>/dev/null || mount --rbind /proc "$R/proc"
for n in null zero full random urandom tty; do mount --bind "/dev/$n" "$R/dev/$n"; done
# "ready" once inside the device's root: commands enter the holder's root,
# and one that came between the word and the chroot ran on the host's
# (nsenter: /system/bin/sh not found; seen on a loaded machine).
exec chroot "$R" /usr/bin/sh -c 'echo ready; exec /usr/bin/sleep infinity'
`

func (d *Device) startNamespace() error {
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", nsSetup, "sh", d.root)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("mount namespace: %v", err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		cmd.Wait()
		return fmt.Errorf("mount namespace setup failed: %s", strings.TrimSpace(stderr.String()))
	}
	d.holder, d.holderPID = cmd, cmd.Process.Pid
	return nil
}

// command prepares argv to run inside the device as uid (gid = uid, no
// supplementary groups) in the device directory wd, in its own process group.
func (d *Device) command(uid int, wd string, env []string, argv ...string) *exec.Cmd {
	args := []string{"--target", itoa(d.holderPID), "--mount", "--root", "--wdns=" + wd}
	if uid != 0 {
		args = append(args, "--setuid", itoa(uid), "--setgid", itoa(uid))
	}
	args = append(append(args, "--"), argv...)
	cmd := exec.Command("nsenter", args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// baseEnv is the environment of adbd's shell on a phone.
func (d *Device) baseEnv(uid int) []string {
	user := "shell"
	if uid == 0 {
		user = "root"
	}
	return []string{"PATH=" + devicePATH, "ANDROID_DATA=/data", "ANDROID_ROOT=/system",
		"ANDROID_STORAGE=/storage", "EXTERNAL_STORAGE=/sdcard", "TMPDIR=/data/local/tmp",
		"HOME=/", "SHELL=/system/bin/sh", "USER=" + user, "LOGNAME=" + user,
		"HOSTNAME=" + d.cfg.Device, "TERM=dumb"}
}

func (d *Device) sortedPackages() []*pkgInfo {
	var out []*pkgInfo
	for _, p := range d.packages {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// hostPathOK reports whether p is a path inside the device root.
func (d *Device) hostPathOK(p string) bool {
	rel, err := filepath.Rel(d.root, p)
	return err == nil && !strings.HasPrefix(rel, "..")
}

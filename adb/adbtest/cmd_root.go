package adbtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// spawn runs argv in the device as uid, wired to the caller's streams and in
// the caller's process group (so killing an adb shell kills its su
// children), and returns its exit status.
func (c *call) spawn(uid int, wd string, env []string, argv ...string) int {
	if len(c.stdio) != 3 {
		c.eprintf("%s: no terminal streams\n", c.name)
		return 1
	}
	cmd := c.d.command(uid, wd, env, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdio[0], c.stdio[1], c.stdio[2]
	if pgid, err := syscall.Getpgid(c.pid); err == nil {
		cmd.SysProcAttr.Pgid = pgid
	}
	if err := cmd.Start(); err != nil {
		cmd.SysProcAttr.Pgid = 0 // the caller's group may be gone or foreign
		if err = cmd.Start(); err != nil {
			c.eprintf("%s: %v\n", c.name, err)
			return 1
		}
	}
	c.d.trackChild(cmd, true)
	defer c.d.trackChild(cmd, false)
	return exitStatus(cmd.Wait())
}

func (d *Device) trackChild(cmd *exec.Cmd, add bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if add {
		d.children[cmd] = true
	} else {
		delete(d.children, cmd)
	}
}

func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

func (c *call) cwdOr(fallback string) string {
	if c.cwd == "" {
		return fallback
	}
	return c.cwd
}

// magiskSu: `su [options] [-] [user [argument...]]`; `-c` takes the rest of
// the command line joined with spaces. Shell and root are granted; apps are
// denied (nobody answers the prompt).
func (c *call) magiskSu() int {
	if c.uid != 0 && c.uid != uidShell {
		c.eprintf("Permission denied\n")
		return 1
	}
	uid, command, hasCommand := 0, "", false
	args := c.args
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-c" || a == "--command":
			command, hasCommand = strings.Join(args[i+1:], " "), true
			i = len(args)
		case strings.HasPrefix(a, "--command="):
			command, hasCommand = strings.TrimPrefix(a, "--command="), true
		case a == "-v":
			c.printf("26.4:MAGISKSU\n")
			return 0
		case a == "-V":
			c.printf("26400\n")
			return 0
		case a == "-h" || a == "--help":
			c.printf("MagiskSU\n\nUsage: su [options] [-] [user [argument...]]\n\nOptions:\n  -c, --command COMMAND         Pass COMMAND to the invoked shell\n  -h, --help                    Display this help message and exit\n  -, -l, --login                Pretend the shell to be a login shell\n  -m, -p,\n  --preserve-environment        Try to preserve the environment\n  -s, --shell SHELL             Use SHELL instead of the default /system/bin/sh\n  -v, --version                 Display version number and exit\n  -V                            Display version code and exit\n  -mm, -M,\n  --mount-master                Force run in the global mount namespace\n")
			return 0
		case a == "-" || a == "-l" || a == "--login" || a == "-m" || a == "-p" ||
			a == "--preserve-environment" || a == "-mm" || a == "-M" || a == "--mount-master":
		case a == "-s" || a == "--shell":
			i++
		case strings.HasPrefix(a, "-"):
			c.eprintf("su: invalid option -- '%s'\n", strings.TrimLeft(a, "-"))
			return 2
		default:
			id, ok := c.d.lookupID(a)
			if !ok {
				c.eprintf("su: unknown user %s\n", a)
				return 1
			}
			uid = id
		}
	}
	if !c.magiskGrants() {
		// su_client_main: the daemon's answer is not 0.
		c.eprintf("Permission denied\n")
		return 13 // EACCES
	}
	argv := []string{"/system/bin/sh"}
	if hasCommand {
		argv = append(argv, "-c", command)
	}
	return c.spawn(uid, c.cwdOr("/"), c.env, argv...)
}

// magiskGrants plays MagiskD's su policy for the caller: root always
// passes; the shell passes unless Config.SuDenied, after the prompt of
// Config.SuPrompt the first time. While the prompt is up the caller waits;
// if it goes away (its adb shell closed), the request is dropped.
func (c *call) magiskGrants() bool {
	if c.uid == 0 {
		return true
	}
	d := c.d
	if d.cfg.SuDenied {
		return false
	}
	d.mu.Lock()
	granted := d.suGranted || d.cfg.SuPrompt.Answer == 0
	d.mu.Unlock()
	if granted {
		return true
	}
	for end := time.Now().Add(d.cfg.SuPrompt.Answer); time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
		d.mu.Lock()
		stopped := d.stopped
		d.mu.Unlock()
		if stopped || syscall.Kill(c.pid, 0) != nil {
			return false
		}
	}
	if d.cfg.SuPrompt.Deny {
		return false
	}
	d.mu.Lock()
	d.suGranted = true
	d.mu.Unlock()
	return true
}

// aospSu is system/extras/su: `su [WHO [COMMAND...]]`, for root and shell
// only; WHO is uid[,gid[,groups]] by number or name.
func (c *call) aospSu() int {
	if c.uid != 0 && c.uid != uidShell {
		c.eprintf("su: uid %d not allowed to su\n", c.uid)
		return 1
	}
	uid := 0
	args := c.args
	if len(args) > 0 {
		who := strings.Split(args[0], ",")
		for i, w := range who {
			id, ok := c.d.lookupID(w)
			if !ok {
				c.eprintf("su: invalid uid/gid '%s'\n", w)
				return 1
			}
			if i == 0 {
				uid = id
			}
		}
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{"/system/bin/sh"}
	}
	return c.spawn(uid, c.cwdOr("/"), c.env, args...)
}

// lookupID resolves a user or group name or number of the device.
func (d *Device) lookupID(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n, true
	}
	switch s {
	case "root":
		return 0, true
	case "system":
		return uidSystem, true
	case "shell":
		return uidShell, true
	}
	for _, p := range d.packages {
		if appUserName(p.uid) == s {
			return p.uid, true
		}
	}
	return 0, false
}

// runAs: `run-as <pkg> [command…]` runs as the app's uid in its data
// directory, for debuggable packages only, called by shell or root only.
func (c *call) runAs() int {
	if c.uid != 0 && c.uid != uidShell {
		c.eprintf("run-as: only 'shell' or 'root' users can run this program\n")
		return 1
	}
	args := c.args
	if len(args) == 0 {
		c.eprintf("usage: run-as <package-name> [--user <uid>] <command> [<args>]\n")
		return 1
	}
	pkgName := args[0]
	args = args[1:]
	if len(args) >= 2 && args[0] == "--user" {
		args = args[2:]
	}
	p := c.d.ownerPackage(pkgName)
	if p == nil {
		c.eprintf("run-as: unknown package: %s\n", pkgName)
		return 1
	}
	if !p.Debuggable {
		c.eprintf("run-as: package not debuggable: %s\n", pkgName)
		return 1
	}
	if len(args) == 0 {
		args = []string{"/system/bin/sh"}
	}
	env := append(append([]string{}, c.env...), fmt.Sprintf("HOME=/data/data/%s", p.Name))
	return c.spawn(p.uid, p.dataDir(), env, args...)
}

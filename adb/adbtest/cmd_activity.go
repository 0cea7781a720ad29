package adbtest

import (
	"fmt"
	"strconv"
	"strings"
)

// am: start [-W] -n <component>, force-stop <pkg>. The shell user may do
// both (it holds the permissions); apps may not force-stop others.
func (c *call) am() int {
	if len(c.args) == 0 {
		c.eprintf("usage: am [start|force-stop] ...\n")
		return 1
	}
	switch c.args[0] {
	case "start", "start-activity":
		return c.amStart(c.args[1:])
	case "force-stop":
		if len(c.args) < 2 {
			c.eprintf("Error: no package specified\n")
			return 1
		}
		pkg := c.args[len(c.args)-1]
		if c.uid >= firstAppUID {
			c.eprintf("Exception occurred while executing 'force-stop':\njava.lang.SecurityException: Permission Denial: forceStopPackage() from pid=%d, uid=%d requires android.permission.FORCE_STOP_PACKAGES\n", c.pid, c.uid)
			return 255
		}
		c.d.forceStop(pkg)
		return 0
	}
	c.eprintf("Unknown command: %s\n", c.args[0])
	return 1
}

func (c *call) amStart(args []string) int {
	comp, wait := "", false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-n":
			if i+1 < len(args) {
				comp = args[i+1]
				i++
			}
		case "-W":
			wait = true
		case "-a", "-c", "-d", "-t", "--user", "-f":
			i++
		}
	}
	if comp == "" {
		c.eprintf("Error: Intent does not match any activities: Intent { }\n")
		return 1
	}
	c.printf("Starting: Intent { cmp=%s }\n", comp)
	pkgName, act, _ := strings.Cut(comp, "/")
	p := c.d.ownerPackage(pkgName)
	if strings.HasPrefix(act, ".") {
		act = pkgName + act
	}
	if p == nil || p.Launcher == "" || p.fullActivity() != act {
		c.eprintf("Error type 3\nError: Activity class {%s/%s} does not exist.\n", pkgName, act)
		return 1
	}
	started, err := c.d.launch(p)
	if err != nil {
		c.eprintf("Error: %v\n", err)
		return 1
	}
	if !started {
		c.printf("Warning: Activity not started, intent has been delivered to currently running top-most instance.\n")
	}
	if wait {
		state := "COLD"
		if !started {
			state = "HOT"
		}
		c.printf("Status: ok\nLaunchState: %s\nActivity: %s\nTotalTime: 100\nWaitTime: 100\nComplete\n", state, p.component())
	}
	return 0
}

// monkey -p <pkg> -c android.intent.category.LAUNCHER 1 starts the launcher
// activity (and would inject one event).
func (c *call) monkey() int {
	pkg := ""
	for i := 0; i < len(c.args); i++ {
		if c.args[i] == "-p" && i+1 < len(c.args) {
			pkg = c.args[i+1]
			i++
		}
	}
	p := c.d.ownerPackage(pkg)
	if p == nil || p.Launcher == "" {
		c.eprintf("** No activities found to run, monkey aborted.\n")
		return 252
	}
	c.printf("  bash arg: -p\n  bash arg: %s\n", pkg)
	if _, err := c.d.launch(p); err != nil {
		c.eprintf("** monkey aborted: %v\n", err)
		return 1
	}
	c.printf("Events injected: 1\n## Network stats: elapsed time=20ms (0ms mobile, 0ms wifi, 20ms not connected)\n")
	return 0
}

// pidof finds app processes by name (their process name is the package,
// once set). Android 5.x has no pidof (toolbox; toybox brought it in 6.0):
// the command is not installed below API 23.
func (c *call) pidof() int {
	var pids []string
	for _, name := range c.args {
		if strings.HasPrefix(name, "-") {
			continue
		}
		if a := c.d.namedApp(name); a != nil {
			pids = append(pids, itoa(a.appPid()))
		}
	}
	if len(pids) == 0 {
		return 1
	}
	c.printf("%s\n", strings.Join(pids, " "))
	return 0
}

// ps lists init and the running apps. From API 26 (toybox ps) plain `ps`
// shows only the caller's own processes and `ps -A` everything; before,
// toolbox ps lists everything and takes any other argument as a pid (if
// numeric) or a process name to filter on, so `ps -A` there lists nothing.
// -Z adds the SELinux context (LABEL) column first.
func (c *call) ps() int {
	toolbox := c.d.cfg.SDK < 26
	all, label, nameFilter, pidFilter := toolbox, false, "", 0
	for _, a := range c.args {
		switch {
		case a == "-Z":
			label = true
		case !toolbox && (a == "-A" || a == "-e"):
			all = true
		case toolbox && (a == "-t" || a == "-x" || a == "-P" || a == "-p" || a == "-c"):
		case toolbox:
			if n, err := strconv.Atoi(a); err == nil {
				pidFilter = n
			} else {
				nameFilter = a
			}
		}
	}
	type row struct {
		user     string
		uid, pid int
		name     string
		context  string
	}
	rows := []row{{"root", 0, 1, "init", "u:r:init:s0"}}
	for _, a := range c.d.appList() {
		if a.running() && a.named.Load() {
			rows = append(rows, row{appUserName(a.pkg.uid), a.pkg.uid, a.appPid(), a.pkg.Name,
				"u:r:" + a.pkg.domain() + ":s0:c512,c768"})
		}
	}
	prefix := func(r row) string {
		if !label {
			return ""
		}
		return fmt.Sprintf("%-30s ", r.context)
	}
	head := "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"
	if toolbox {
		head = "USER      PID   PPID  VSIZE  RSS   WCHAN              PC  NAME\n"
	}
	if label {
		head = fmt.Sprintf("%-30s ", "LABEL") + head
	}
	c.printf("%s", head)
	for _, r := range rows {
		if !all && r.uid != c.uid {
			continue
		}
		if (nameFilter != "" && r.name != nameFilter) || (pidFilter != 0 && r.pid != pidFilter) {
			continue
		}
		ppid := 1
		if r.pid == 1 {
			ppid = 0
		}
		if toolbox {
			c.printf("%s%-9s %-5d %-5d %-6d %-5d %-18s %s S %s\n", prefix(r), r.user, r.pid, ppid, 1234567, 45678, "SyS_epoll_", "00000000", r.name)
		} else {
			c.printf("%s%-10s %8d %5d %7d %6d %-16s %4d S %s\n", prefix(r), r.user, r.pid, ppid, 1234567, 45678, "do_epoll_wait", 0, r.name)
		}
	}
	return 0
}

// toolboxID is Android 5.x's `id` (system/core/toolbox/id.c): it takes no
// options (-u is ignored) and always prints the full line.
func (c *call) toolboxID() int {
	name := func(id int) string {
		switch id {
		case 0:
			return "root"
		case uidSystem:
			return "system"
		case uidShell:
			return "shell"
		}
		return appUserName(id)
	}
	domain := "shell"
	if c.uid == 0 {
		domain = "su"
	}
	c.printf("uid=%d(%s) gid=%d(%s) groups=1003(graphics),1004(input),1007(log),1011(adb),1015(sdcard_rw),3003(inet) context=u:r:%s:s0\n",
		c.uid, name(c.uid), c.uid, name(c.uid), domain)
	return 0
}

// initCtl is init's `start`/`stop` without a service name: zygote and
// with it the whole framework (root only).
func (c *call) initCtl() int {
	if c.uid != 0 {
		c.eprintf("%s: must be root\n", c.name)
		return 1
	}
	if len(c.args) > 0 && c.args[0] != "zygote" {
		return 0
	}
	if c.name == "stop" {
		c.d.stopZygote()
	} else {
		c.d.startZygote()
	}
	return 0
}

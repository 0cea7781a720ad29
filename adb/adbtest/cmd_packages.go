package adbtest

import (
	"fmt"
	"strconv"
	"strings"
)

// systemPackages are on every phone; they have no launcher and no program.
var systemPackages = []string{"android", "com.android.settings", "com.android.shell"}

// pm: list packages [-f] [-3] [-s] [filter], path <pkg>, dump <pkg>.
func (c *call) pm(args []string) int {
	if len(args) == 0 {
		c.eprintf("usage: pm [list|path|dump] ...\n")
		return 1
	}
	switch args[0] {
	case "list":
		if len(args) < 2 || args[1] != "packages" {
			c.eprintf("Error: unknown list type '%s'\n", strings.Join(args[1:], " "))
			return 1
		}
		return c.listPackages(args[2:])
	case "path":
		if len(args) < 2 {
			c.eprintf("Error: no package specified\n")
			return 1
		}
		name := args[len(args)-1]
		if name == "android" {
			c.printf("package:/system/framework/framework-res.apk\n")
			return 0
		}
		p := c.d.ownerPackage(name)
		if p == nil {
			return 1
		}
		c.printf("package:/data/app/%s-1/base.apk\n", p.Name)
		return 0
	case "dump":
		return c.dumpPackage(args[1:])
	case "resolve-activity":
		return c.resolveActivity(args[1:])
	}
	c.eprintf("Unknown command: %s\n", args[0])
	return 1
}

// listPackages is PackageManagerShellCommand.runListPackages: the packages
// of user 0 (USER_SYSTEM) unless --user names another user or "all"; -u
// (MATCH_UNINSTALLED_PACKAGES) adds those that user lacks but another has.
func (c *call) listPackages(args []string) int {
	var withPath, thirdParty, system, uninstalled bool
	filter, user := "", 0
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-f":
			withPath = true
		case "-3":
			thirdParty = true
		case "-s":
			system = true
		case "-u":
			uninstalled = true
		case "--user":
			if i+1 >= len(args) {
				c.printf("Error: java.lang.IllegalArgumentException: Argument expected after \"--user\"\n")
				return 255
			}
			i++
			switch args[i] {
			case "all":
				user = -1 // USER_ALL
			case "current", "cur":
				user = 0
			default:
				n, err := strconv.Atoi(args[i])
				if err != nil {
					c.printf("Error: java.lang.NumberFormatException: For input string: \"%s\"\n", args[i])
					return 255
				}
				user = n
			}
		default:
			if !strings.HasPrefix(a, "-") {
				filter = a
			}
		}
	}
	type entry struct{ name, path string }
	var list []entry
	if !thirdParty {
		for _, n := range systemPackages {
			list = append(list, entry{n, "/system/app/" + n + "/" + n + ".apk"})
		}
	}
	if !system {
		for _, p := range c.d.sortedPackages() {
			if user >= 0 && !p.installedFor(user) && !uninstalled {
				continue
			}
			list = append(list, entry{p.Name, "/data/app/" + p.Name + "-1/base.apk"})
		}
	}
	for _, e := range list {
		if !strings.Contains(e.name, filter) {
			continue
		}
		if withPath {
			c.printf("package:%s=%s\n", e.path, e.name)
		} else {
			c.printf("package:%s\n", e.name)
		}
	}
	return 0
}

// cmd: `cmd package …` is pm (with resolve-activity); `cmd activity …` is am.
func (c *call) cmd() int {
	if len(c.args) == 0 {
		c.eprintf("cmd: No service specified; use -l to view all services\n")
		return 20
	}
	switch c.args[0] {
	case "package":
		return c.pm(c.args[1:])
	case "activity":
		c.args = c.args[1:]
		return c.am()
	}
	c.eprintf("cmd: Can't find service: %s\n", c.args[0])
	return 20
}

// resolveActivity: `--brief -c android.intent.category.LAUNCHER <pkg>`
// prints a ResolveInfo summary line, then pkg/.Activity on the last line.
func (c *call) resolveActivity(args []string) int {
	brief, pkg := false, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--brief":
			brief = true
		case "-c", "-a", "--user", "-t", "-d":
			i++
		case "--components":
		default:
			pkg = a
		}
	}
	p := c.d.ownerPackage(pkg)
	if p == nil || p.Launcher == "" {
		c.printf("No activity found\n")
		return 0
	}
	c.printf("priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n")
	if !brief {
		c.printf("ActivityInfo:\n  name=%s\n  packageName=%s\n  enabled=true exported=true directBootAware=false\n",
			p.fullActivity(), p.Name)
		return 0
	}
	c.printf("%s\n", p.component())
	return 0
}

// dumpsys: only `dumpsys package <pkg>` has content.
func (c *call) dumpsys() int {
	if len(c.args) >= 1 && c.args[0] == "package" {
		return c.dumpPackage(c.args[1:])
	}
	return 0
}

func (c *call) dumpPackage(args []string) int {
	if len(args) == 0 {
		for _, p := range c.d.sortedPackages() {
			c.dumpOne(p)
		}
		return 0
	}
	p := c.d.packages[args[0]]
	if p == nil && isSystemPackage(args[0]) {
		p = &pkgInfo{Package: Package{Name: args[0], Domain: "system_app"}, uid: uidSystem}
	}
	if p == nil {
		c.printf("Dexopt state:\n  Unable to find package: %s\n\nCompiler stats:\n  Unable to find package: %s\n", args[0], args[0])
		return 0
	}
	if p.Launcher != "" {
		c.printf("Activity Resolver Table:\n  Non-Data Actions:\n      android.intent.action.MAIN:\n        1a2b3c %s filter 4d5e6f\n\n", p.component())
	}
	c.dumpOne(p)
	return 0
}

func isSystemPackage(name string) bool {
	for _, n := range systemPackages {
		if n == name {
			return true
		}
	}
	return false
}

// Signature hashes as dumpsys prints them (Signature.hashCode, the same
// for the same certificate): apps signed with the platform key share the
// one of package "android".
const (
	platformSignature = "6a5f2c31"
	appSignature      = "1234abcd"
)

// signaturesLine is PackageSignatures.toString per version (API 28 added
// the signing scheme version and past signatures).
func (d *Device) signaturesLine(id, sig string) string {
	if d.cfg.SDK >= 28 {
		return fmt.Sprintf("PackageSignatures{%s version:2, signatures:[%s], past signatures:[]}", id, sig)
	}
	return fmt.Sprintf("PackageSignatures{%s [%s]}", id, sig)
}

func (c *call) dumpOne(p *pkgInfo) {
	flags := "HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP"
	if p.Debuggable {
		flags = "DEBUGGABLE " + flags
	}
	abi := p.PrimaryABI
	if abi == "" {
		abi = "null"
	}
	version := p.VersionName
	if version == "" {
		version = "1.0"
	}
	id := fmt.Sprintf("%x", 0xa1b2c3+p.uid)
	sig := appSignature
	if p.platformSigned() {
		sig = platformSignature
	}
	sharedUser := ""
	if p.uid == uidSystem {
		sharedUser = "\n    sharedUser=SharedUserSetting{5e4f3a2 android.uid.system/1000}"
	}
	c.printf(`Packages:
  Package [%[1]s] (%[2]s):
    userId=%[3]d%[9]s
    pkg=Package{%[2]s %[1]s}
    codePath=/data/app/%[1]s-1
    resourcePath=/data/app/%[1]s-1
    legacyNativeLibraryDir=/data/app/%[1]s-1/lib
    primaryCpuAbi=%[4]s
    secondaryCpuAbi=null
    versionCode=1 minSdk=21 targetSdk=%[5]d
    versionName=%[6]s
    splits=[base]
    apkSigningVersion=2
    applicationInfo=ApplicationInfo{%[2]s %[1]s}
    flags=[ %[7]s ]
    dataDir=/data/user/0/%[1]s
    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]
    timeStamp=2024-01-01 00:00:00
    firstInstallTime=2024-01-01 00:00:00
    lastUpdateTime=2024-01-01 00:00:00
    installerPackageName=com.android.vending
    signatures=%[8]s
    pkgFlags=[ %[7]s ]
`, p.Name, id, p.uid, abi, c.d.cfg.SDK, version, flags, c.d.signaturesLine(id, sig), sharedUser)
	// One line per user of the device (Settings.dumpPackageLPr's user
	// states; ceDataInode from API 24).
	for _, u := range c.d.users() {
		installed := p.installedFor(u) || p.Domain == "system_app"
		if c.d.cfg.SDK < 24 {
			c.printf("    User %d: installed=%t hidden=false stopped=false notLaunched=false enabled=0\n", u, installed)
			continue
		}
		c.printf("    User %d: ceDataInode=%d installed=%t hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false\n",
			u, 12345+u, installed)
	}
}

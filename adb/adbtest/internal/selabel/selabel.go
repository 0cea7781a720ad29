// Package selabel is the simulated device's SELinux file-label model, shared
// by the test device (package adbtest) and its in-device helper (simctl).
//
// A file's label is the value of the extended attribute XattrName when it is
// set, else the default label of the file's current path. Like real SELinux
// labels (also xattrs), the attribute follows the inode: `mv` keeps it, `cp`
// and `cat >` create a new inode without it, and `restorecon` resets it to the
// default of the path. adb push (sync SEND) stamps the default of the
// destination, so a pushed file moved elsewhere keeps shell_data_file.
package selabel

import (
	"path"
	"strings"
)

// XattrName holds a file's simulated SELinux label.
const XattrName = "user.sim.selinux"

// Labels used by the model. App data files carry the package name after the
// level, standing in for the per-app MLS categories of a real phone.
const (
	ShellData  = "u:object_r:shell_data_file:s0"
	SystemData = "u:object_r:system_data_file:s0"
	SystemFile = "u:object_r:system_file:s0"
	ApkData    = "u:object_r:apk_data_file:s0"
	Fuse       = "u:object_r:fuse:s0"
	appData    = "u:object_r:app_data_file:s0:"
)

// AppData is the label of files inside the data directory of pkg.
func AppData(pkg string) string { return appData + pkg }

// Default is the label restorecon gives to a path inside the device.
func Default(p string) string {
	p = path.Clean("/" + p)
	for _, prefix := range []string{"/data/data/", "/data/user/0/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			return AppData(strings.SplitN(rest, "/", 2)[0])
		}
	}
	switch {
	case under(p, "/data/local/tmp"):
		return ShellData
	case under(p, "/data/app"):
		return ApkData
	case under(p, "/data"):
		return SystemData
	case under(p, "/sdcard"), under(p, "/storage"):
		return Fuse
	}
	return SystemFile
}

// App domains (seapp_contexts): untrusted_app for ordinary apps, priv_app
// for privileged ones, platform_app for platform-signed apps (seinfo
// platform), system_app for apps running as the system uid.
const (
	UntrustedApp = "untrusted_app"
	PrivApp      = "priv_app"
	PlatformApp  = "platform_app"
	SystemApp    = "system_app"
)

// MappableBy reports whether an app of package pkg running in domain may
// map a file with this label executable (the rule that decides whether an
// LD_PRELOAD loads). Its own data files are executable only for
// untrusted_app (private/untrusted_app_all.te: `allow untrusted_app_all
// app_data_file:file { r_file_perms execute }`) and priv_app (priv_app.te,
// privapp_data_file); platform_app and system_app have no such rule.
func MappableBy(label, pkg, domain string) bool {
	if label == SystemFile || label == ApkData {
		return true
	}
	return label == AppData(pkg) && (domain == UntrustedApp || domain == PrivApp || domain == "")
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

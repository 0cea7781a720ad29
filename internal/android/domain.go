package android

import (
	"fmt"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// Apps signed with the platform key (seinfo "platform" in
// mac_permissions.xml) run in the SELinux domain platform_app, and those
// that also share the system uid (android.uid.system, 1000) in system_app
// (system/sepolicy seapp_contexts). Neither domain may map files of its own
// data directory executable: only untrusted_app_all (private/
// untrusted_app_all.te, `app_data_file:file { r_file_perms execute }`) and
// priv_app (privapp_data_file) have that rule. The shim must live there, so
// the linker cannot load it and, from Android 5.1, the app would not start.

// uidSystem is AID_SYSTEM.
const uidSystem = 1000

// DomainError: the app runs in a domain that cannot load the shim.
type DomainError struct{ Package, Domain, Why string }

func (e *DomainError) Error() string {
	return fmt.Sprintf("%s runs in the SELinux domain %s (%s), which may not map libraries from its own data directory: "+
		"Android would refuse to start it with the shim, so tcpsnitch cannot trace it (platform-signed and system apps such as Settings, SystemUI or Phone are out of reach)",
		e.Package, e.Domain, e.Why)
}

// checkDomain refuses system_app and platform_app packages up front.
func checkDomain(d adb.Sheller, info adb.PackageInfo) error {
	if info.UID == uidSystem {
		return &DomainError{Package: info.Name, Domain: "system_app", Why: "it runs as the system user, uid 1000"}
	}
	if info.Signature == "" || info.Name == "android" {
		return nil
	}
	platform, err := adb.Package(d, "android")
	if err != nil || platform.Signature == "" {
		return nil // unknown: the launch check will tell
	}
	if platform.Signature == info.Signature {
		return &DomainError{Package: info.Name, Domain: "platform_app", Why: "it is signed with the platform key, like package android"}
	}
	return nil
}

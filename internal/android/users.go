package android

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// Android users (work profiles, secondary users). -a traces the copy of
// an app that belongs to user 0, the phone's owner: the shim goes into
// /data/data/<pkg> = /data/user/0/<pkg>. But wrap.<pkg> is one system
// property, read by zygote for every user's start of the app, and another
// user's copy (uid user*100000+appId, another SELinux category) cannot read
// user 0's data directory: while traced, that copy cannot load the shim,
// which from Android 5.1 on stops it from starting. So an app installed only
// for another user is refused, and one installed for user 0 and others is
// traced in user 0 with a warning about the other copies.

// OtherUserError: the package is installed, but not for user 0.
type OtherUserError struct {
	Package string
	Users   []int
}

func (e *OtherUserError) Error() string {
	return fmt.Sprintf("%s is installed only for %s (a work profile or another user), and tcpsnitch traces the apps of user 0, the phone's owner "+
		"(the shim goes into user 0's data directory, which other users' apps cannot read): "+
		"install it for user 0 too (adb shell pm install-existing --user 0 %s) and trace that copy",
		e.Package, usersText(e.Users), e.Package)
}

// findPackage is adb.FindPackage (user 0's packages), telling a package
// that only other users have from one that is not installed at all.
func findPackage(d adb.Device, query string) (string, error) {
	pkg, err := adb.FindPackage(d, query)
	var nf *adb.PackageNotFoundError
	if !errors.As(err, &nf) {
		return pkg, err
	}
	other, oerr := adb.FindPackageAnyUser(d, query)
	if oerr != nil {
		return "", err
	}
	info, ierr := adb.Package(d, other)
	if ierr != nil || len(info.Users) == 0 || hasUser(info.Users, 0) {
		return "", err // e.g. uninstalled with its data kept
	}
	return "", &OtherUserError{Package: other, Users: info.Users}
}

// otherUsersWarning is the warning for a package that users besides 0
// also have, or "".
func otherUsersWarning(info adb.PackageInfo, sdk int) string {
	var others []int
	for _, u := range info.Users {
		if u != 0 {
			others = append(others, u)
		}
	}
	if len(others) == 0 {
		return ""
	}
	outcome := "so it will not start" // the linker's failure is fatal from API 22
	if sdk == 21 {
		outcome = "so it starts untraced"
	}
	return fmt.Sprintf("Warning: %s is also installed for %s (a work profile or another user): only user 0's copy is traced; "+
		"until `tcpsnitch -k %s` the other copy cannot load the shim (wrap.%s applies to every user), %s.",
		info.Name, usersText(others), info.Name, info.Name, outcome)
}

func hasUser(users []int, u int) bool {
	for _, x := range users {
		if x == u {
			return true
		}
	}
	return false
}

// usersText: "user 10", "users 10 and 11", "users 10, 11 and 12".
func usersText(users []int) string {
	s := make([]string, len(users))
	for i, u := range users {
		s[i] = strconv.Itoa(u)
	}
	if len(s) == 1 {
		return "user " + s[0]
	}
	return "users " + strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

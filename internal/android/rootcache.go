package android

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// Running su is not free on a rooted phone: Magisk shows a toast for every
// grant, and asks the user on the screen the first time. So `tcpsnitch
// devices` never runs su; it shows the root variant that -a or -k found
// last on that device, kept here per serial in the user's cache directory
// ($XDG_CACHE_HOME/tcpsnitch/root/<serial>) for RootCacheLifetime, and
// forgotten when finding root fails.

// RootCacheLifetime is how long a root answer is shown: short, because
// Magisk grants may be given for a while only and a phone may be rooted
// or unrooted in between.
var RootCacheLifetime = time.Hour

func rootCachePath(serial string) (string, bool) {
	dir, err := os.UserCacheDir()
	if err != nil || serial == "" {
		return "", false
	}
	// A serial may hold ':' and '/' (host:port, usb paths): escaped.
	return filepath.Join(dir, "tcpsnitch", "root", url.PathEscape(serial)), true
}

// CachedRoot returns the root variant -a/-k last found on serial, if that
// was less than RootCacheLifetime ago.
func CachedRoot(serial string) (adb.RootKind, bool) {
	path, ok := rootCachePath(serial)
	if !ok {
		return adb.RootNone, false
	}
	st, err := os.Stat(path)
	if err != nil || time.Since(st.ModTime()) > RootCacheLifetime {
		return adb.RootNone, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return adb.RootNone, false
	}
	switch k := adb.RootKind(strings.TrimSpace(string(b))); k {
	case adb.RootAdbd, adb.RootAdbOff, adb.RootSuC, adb.RootSu0:
		return k, true
	case "no":
		return adb.RootNone, true
	}
	return adb.RootNone, false
}

// saveRoot records what DetectRoot found; a failure to write is ignored
// (the cache only spares `devices` a question).
func saveRoot(serial string, kind adb.RootKind) {
	path, ok := rootCachePath(serial)
	if !ok {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		_ = os.WriteFile(path, []byte(kind.String()+"\n"), 0o644)
	}
}

// forgetRoot drops serial's answer: finding root just failed.
func forgetRoot(serial string) {
	if path, ok := rootCachePath(serial); ok {
		_ = os.Remove(path)
	}
}

// GrantWaitNotice is said when su keeps -a/-k waiting: Magisk is asking
// on the phone's screen.
const GrantWaitNotice = "Waiting for the root grant on the phone (Magisk asks once)…"

// detectRoot finds root (adb.DetectRoot), saying so while su waits for the
// user, and records the answer for `tcpsnitch devices`.
func detectRoot(d adb.Device, logf func(string, ...any)) (adb.RootKind, error) {
	kind, err := adb.DetectRoot(d, adb.RootWait{Notice: func() { logf("%s", GrantWaitNotice) }})
	if err != nil {
		forgetRoot(d.Serial())
		return kind, err
	}
	saveRoot(d.Serial(), kind)
	return kind, nil
}

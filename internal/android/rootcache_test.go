package android

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// The root answer is kept per serial (serials with ':' and '/' included),
// shown for RootCacheLifetime only, and dropped by forgetRoot.
func TestRootCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	const usb, wifi = "usb:1-2/3", "192.168.1.7:5555"
	if _, ok := CachedRoot(usb); ok {
		t.Fatal("an answer before any was saved")
	}
	saveRoot(usb, adb.RootSuC)
	saveRoot(wifi, adb.RootNone)
	if k, ok := CachedRoot(usb); !ok || k != adb.RootSuC {
		t.Errorf("usb: %q, %v", k, ok)
	}
	if k, ok := CachedRoot(wifi); !ok || k != adb.RootNone {
		t.Errorf("wifi: %q, %v", k, ok)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "tcpsnitch", "root", "*"))
	if len(files) != 2 {
		t.Fatalf("cache files %v, want one per serial", files)
	}
	old := time.Now().Add(-RootCacheLifetime - time.Minute)
	path, _ := rootCachePath(wifi)
	os.Chtimes(path, old, old)
	if _, ok := CachedRoot(wifi); ok {
		t.Error("an answer older than the lifetime was shown")
	}
	forgetRoot(usb)
	if _, ok := CachedRoot(usb); ok {
		t.Error("a forgotten answer was shown")
	}
}

func TestOtherUsersWords(t *testing.T) {
	for _, c := range []struct {
		users []int
		want  string
	}{{[]int{10}, "user 10"}, {[]int{10, 11}, "users 10 and 11"}, {[]int{10, 11, 12}, "users 10, 11 and 12"}} {
		if got := usersText(c.users); got != c.want {
			t.Errorf("usersText(%v) = %q, want %q", c.users, got, c.want)
		}
	}
	info := adb.PackageInfo{Name: "com.x", Users: []int{0, 10}}
	if w := otherUsersWarning(info, 33); !strings.HasSuffix(w, "so it will not start.") {
		t.Errorf("API 33: %q", w)
	}
	if w := otherUsersWarning(info, 21); !strings.HasSuffix(w, "so it starts untraced.") {
		t.Errorf("API 21: %q", w)
	}
	if w := otherUsersWarning(adb.PackageInfo{Name: "com.x", Users: []int{0}}, 33); w != "" {
		t.Errorf("owner only: %q", w)
	}
}

package adbtest

import (
	"os"
	"testing"
)

// Android users (PackageManagerShellCommand, Settings.dumpPackageLPr): pm
// lists user 0's packages unless --user says another or all, -u adds those
// user 0 lacks; dumpsys has one state line per user; user 0's activity
// commands do not see a work profile's app; each copy has its data in its
// user's directory, owned by that user's uid.
func TestWorkProfileApps(t *testing.T) {
	d, s := startConnected(t, Config{SDK: 33, Packages: []Package{
		{Name: "com.example.owner", Launcher: ".Main", Program: "/bin/true"},
		{Name: "com.example.work", Launcher: ".Main", Program: "/bin/true", Users: []int{10}},
		{Name: "com.example.both", Launcher: ".Main", Program: "/bin/true", Users: []int{0, 10}},
	}})
	list := func(args string) string { return sh(t, s, d, "pm list packages "+args+" com.example") }
	for args, want := range map[string]string{
		"":             "package:com.example.both\npackage:com.example.owner\n",
		"--user 0":     "package:com.example.both\npackage:com.example.owner\n",
		"--user 10":    "package:com.example.both\npackage:com.example.work\n",
		"--user all":   "package:com.example.both\npackage:com.example.owner\npackage:com.example.work\n",
		"-u":           "package:com.example.both\npackage:com.example.owner\npackage:com.example.work\n",
		"-u --user 10": "package:com.example.both\npackage:com.example.owner\npackage:com.example.work\n",
	} {
		if got := list(args); got != want {
			t.Errorf("pm list packages %s = %q, want %q", args, got, want)
		}
	}
	out := sh(t, s, d, "dumpsys package com.example.work")
	mustContain(t, out, "    User 0: ceDataInode=12345 installed=false ")
	mustContain(t, out, "    User 10: ceDataInode=12355 installed=true ")
	mustContain(t, sh(t, s, d, "dumpsys package com.example.both"), "    User 0: ceDataInode=12345 installed=true ")
	mustContain(t, sh(t, s, d, "cmd package resolve-activity --brief -c android.intent.category.LAUNCHER com.example.work"), "No activity found")
	mustContain(t, sh(t, s, d, "am start -n com.example.work/.Main 2>&1"), "Error: Activity class {com.example.work/com.example.work.Main} does not exist.")

	if _, err := os.Stat(d.Path("/data/data/com.example.work")); err == nil {
		t.Error("user 0 has a data directory for the work profile's app")
	}
	// appIds 10100 + index; the profile's copy runs as 10*100000 + appId.
	if uid := fileUID(t, d.Path("/data/user/10/com.example.work")); uid != 1010101 {
		t.Errorf("work data dir uid %d", uid)
	}
	if uid := fileUID(t, d.Path("/data/user/10/com.example.both")); uid != 1010102 {
		t.Errorf("profile copy's data dir uid %d", uid)
	}
	if uid := fileUID(t, d.Path("/data/data/com.example.both")); uid != 10102 {
		t.Errorf("owner copy's data dir uid %d", uid)
	}
}

package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
)

// suRuns counts the su commands the phone was asked to run.
func suRuns(d *adbtest.Device) int {
	n := 0
	for _, argv := range d.Commands() {
		if argv[0] == "su" {
			n++
		}
	}
	return n
}

// rootColumnOf is the ROOT cell of the device's row in `tcpsnitch devices`.
func rootColumnOf(t *testing.T, d *adbtest.Device) string {
	t.Helper()
	r := runCLI(t, "", "devices")
	if r.code != 0 {
		t.Fatalf("devices: exit %d: %s", r.code, r.errOut)
	}
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(line, d.Serial()) {
			f := strings.SplitN(line, "  ", -1)
			return strings.TrimSpace(f[len(f)-1])
		}
	}
	t.Fatalf("no row for %s:\n%s", d.Serial(), r.out)
	return ""
}

// On Magisk the shell's first su raises a prompt on the phone: -a says it
// is waiting for it, goes on once granted, and `devices` never runs su
// itself (a toast each time) but shows what -a found.
func TestRootGrantPromptAndDevicesWithoutSu(t *testing.T) {
	d := adbtest.Start(t, adbtest.Config{SDK: 33, Root: adbtest.RootSuC,
		SuPrompt: adbtest.SuPrompt{Answer: 3 * time.Second},
		Packages: []adbtest.Package{sleeperApp("com.example.app", buildC(t, "app", sleeperC))}})
	androidEnv(t, d)

	if got := rootColumnOf(t, d); got != "su (untried)" {
		t.Errorf("ROOT before any -a: %q", got)
	}
	if n := suRuns(d); n != 0 {
		t.Fatalf("devices ran su %d times", n)
	}
	r := runCLI(t, "", "-n", "-d", t.TempDir(), "--shim", realShim(t), "-a", "com.example.app")
	if r.code != 0 {
		t.Fatalf("-a: exit %d: %s", r.code, r.errOut)
	}
	if strings.Count(r.errOut, "Waiting for the root grant on the phone (Magisk asks once)…\n") != 1 {
		t.Errorf("-a did not say once that it waits for the grant: %q", r.errOut)
	}
	before := suRuns(d)
	if got := rootColumnOf(t, d); got != "su -c" {
		t.Errorf("ROOT after -a: %q", got)
	}
	if n := suRuns(d); n != before {
		t.Errorf("devices ran su %d times", n-before)
	}
	// The grant is remembered: -k runs su without a prompt. (The app's
	// library is not the shim: no trace, but the phone is cleaned.)
	runCLI(t, "", "-k", "com.example.app")
	assertDeviceClean(t, d, "com.example.app")
}

// A denied prompt (or one that timed out on the phone), a standing
// refusal, and an su that never answers: each is said in its own words,
// none is called "no root", and nothing is changed on the phone.
func TestRootGrantRefusals(t *testing.T) {
	saved := adb.RootGrantTimeout
	t.Cleanup(func() { adb.RootGrantTimeout = saved })
	adb.RootGrantTimeout = 2 * time.Second
	for _, c := range []struct {
		name   string
		cfg    adbtest.Config
		notice bool
		want   string
	}{
		{"prompt denied", adbtest.Config{SuPrompt: adbtest.SuPrompt{Answer: 1500 * time.Millisecond, Deny: true}}, true,
			"su did not give root: the grant request on the phone was denied or timed out"},
		{"policy deny", adbtest.Config{SuDenied: true}, false, "su refused root to the shell (Permission denied)"},
		{"no answer", adbtest.Config{SuPrompt: adbtest.SuPrompt{Answer: time.Minute}}, true, "su gave no answer within 2s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.SDK, cfg.Root = 33, adbtest.RootSuC
			cfg.Packages = []adbtest.Package{simplePackage("com.example.app")}
			d := adbtest.Start(t, cfg)
			androidEnv(t, d)
			r := runCLI(t, "", "-n", "--shim", writeShim(t, "x86_64"), "-a", "com.example.app")
			last := r.errOut[strings.LastIndex(strings.TrimSuffix(r.errOut, "\n"), "\n")+1:]
			if r.code != 1 || !strings.HasPrefix(last, "tcpsnitch: "+c.want) || strings.Contains(r.errOut, "has none") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and %q", r.code, r.errOut, c.want)
			}
			if c.notice && !strings.Contains(r.errOut, "Waiting for the root grant on the phone") {
				t.Errorf("no notice while waiting: %q", r.errOut)
			}
			if _, err := os.Stat(d.Path("/data/local/tmp/tcpsnitch-com.example.app.session")); err == nil {
				t.Error("a session was recorded")
			}
			if d.Prop("debug.tcpsnitch.d") != "" {
				t.Error("properties were set")
			}
			if got := rootColumnOf(t, d); got != "su (untried)" {
				t.Errorf("ROOT after the refusal: %q (the failed answer must not be cached)", got)
			}
		})
	}
}

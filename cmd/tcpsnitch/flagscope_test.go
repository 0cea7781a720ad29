package main

import (
	"strings"
	"testing"
)

// The settings flags are refused, with one line and exit 2, by the
// commands that do not use them, before or after the command's name; the
// root command and `config` still take them.
func TestSettingsFlagsOnlyWhereTheyMeanSomething(t *testing.T) {
	fakeLibDir(t)
	refused := []struct {
		args []string
		want string
	}{
		{[]string{"version", "-b", "1"}, "-b (--tcp-info-bytes) is not a flag of `tcpsnitch version`"},
		{[]string{"-b", "1", "version"}, "-b (--tcp-info-bytes) is not a flag of `tcpsnitch version`"},
		{[]string{"-s", "emulator-5554", "devices"}, "-s (--serial) is not a flag of `tcpsnitch devices`"},
		{[]string{"devices", "use", "--server", "http://x", "emulator-5554"}, "--server is not a flag of `tcpsnitch devices use`"},
		{[]string{"report", "-v", t.TempDir()}, "-v (--verbose) is not a flag of `tcpsnitch report`"},
		{[]string{"-n", "--version"}, "-n (--no-upload) is not a flag of --version"},
	}
	for _, c := range refused {
		r := runCLI(t, "", c.args...)
		if r.code != 2 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, c.want) || r.out != "" {
			t.Errorf("%q: exit %d stdout %q stderr %q, want exit 2 and one line %q", c.args, r.code, r.out, r.errOut, c.want)
		}
	}
	for _, args := range [][]string{{"-b", "10", "config"}, {"config", "-b", "10"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || !strings.Contains(r.out, "tcp-info-bytes (-b)    10     (flag)") {
			t.Errorf("%q: exit %d stdout %q stderr %q", args, r.code, r.out, r.errOut)
		}
	}
	if r := runCLI(t, "", "-b", "10", "-n", "true"); r.code != 0 {
		t.Errorf("-b 10 -n true: exit %d stderr %q", r.code, r.errOut)
	}
	if r := runCLI(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.out, "tcpsnitch version ") {
		t.Errorf("version: exit %d stdout %q stderr %q", r.code, r.out, r.errOut)
	}
	// Their help lists the settings flags only where they are taken.
	for args, listed := range map[string]bool{"version --help": false, "devices --help": false, "help report": false,
		"config --help": true, "--help": true} {
		r := runCLI(t, "", strings.Fields(args)...)
		if r.code != 0 || strings.Contains(r.out, "--tcp-info-bytes") != listed {
			t.Errorf("%s: exit %d, lists --tcp-info-bytes: %v, want %v\n%s", args, r.code, !listed, listed, r.out)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each bad input gives one line on stderr naming the problem, a non-zero
// exit, and starts nothing: the would-be traced program creates a marker
// file, and a -d that did not exist is not created.
func TestBadInputStartsNothing(t *testing.T) {
	fakeLibDir(t)
	base := t.TempDir()
	marker := filepath.Join(base, "started")
	newDir := filepath.Join(base, "trace")
	aFile := filepath.Join(base, "file")
	os.WriteFile(aFile, nil, 0o644)
	prog := []string{"sh", "-c", "touch " + marker}
	with := func(flags ...string) []string { return append(flags, prog...) }

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", with("--bogus"), 2, "unknown flag: --bogus"},
		{"unknown shorthand", with("-Z"), 2, "unknown shorthand flag: 'Z'"},
		{"missing command", []string{"-n", "-d", newDir}, 2, "missing command to trace"},
		{"command not found", []string{"-d", newDir, "no-such-program-xyz"}, 127, "command not found: no-such-program-xyz"},
		{"command not executable", []string{"-d", newDir, aFile}, 126, "cannot execute " + aFile},
		{"-d is a file", with("-d", aFile), 1, "trace directory " + aFile + " is not a directory"},
		{"-d parent missing", with("-d", filepath.Join(base, "no", "dir")), 1, "does not exist"},
		{"-b negative", with("-d", newDir, "-b", "-1"), 2, `invalid argument "-1" for "-b, --tcp-info-bytes" flag: must be a whole number ≥ 0`},
		{"-b not a number", with("-b", "lots"), 2, `invalid argument "lots" for "-b, --tcp-info-bytes" flag: not a whole number`},
		{"-u negative", with("-u", "-5"), 2, `"-u, --tcp-info-usec" flag: must be a whole number ≥ 0`},
		{"-f out of range", with("-f", "6"), 2, `"-f, --file-log-level" flag: must be a whole number from 0 to 5`},
		{"-l out of range", with("--stderr-log-level=-1"), 2, `"-l, --stderr-log-level" flag: must be a whole number from 0 to 5`},
		{"-t zero", with("-t", "0"), 2, `"-t, --write-period" flag: must be a whole number ≥ 1`},
		{"-d without value", []string{"-d"}, 2, "flag needs an argument: 'd' in -d"},
		{"-a with -k", []string{"-a", "com.x", "-k", "com.y"}, 2, "-a and -k cannot be used together"},
		{"-a with a command", with("-a", "com.x"), 2, `unexpected argument "sh"`},
		{"bad upload timeout", with("--upload-timeout", "-1s"), 2, "--upload-timeout"},
		{"missing --shim", with("-d", newDir, "--shim", filepath.Join(base, "none.so")), 1, "shim " + filepath.Join(base, "none.so") + " not found"},
		{"version with args", []string{"version", "x"}, 2, `"tcpsnitch version" takes no arguments`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, c.code, r.errOut)
			}
			if !strings.HasPrefix(r.errOut, "tcpsnitch: ") || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, c.want) {
				t.Errorf("stderr %q, want one line containing %q", r.errOut, c.want)
			}
			if r.out != "" {
				t.Errorf("stdout %q", r.out)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the program was started")
			}
			if _, err := os.Stat(newDir); err == nil {
				t.Fatal("the trace directory was created")
			}
		})
	}
}

func TestMissingShimIsOneLine(t *testing.T) {
	fakeLibDir(t)
	t.Setenv("TCPSNITCH_LIBDIR", t.TempDir())
	r := runCLI(t, "", "-n", "true")
	if r.code != 1 || !strings.Contains(r.errOut, "shim not found") || strings.Count(r.errOut, "\n") != 1 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}

func TestBrokenConfigFileIsReported(t *testing.T) {
	fakeLibDir(t)
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tcpsnitch", "config.yaml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	for body, want := range map[string]string{
		"defaults:\n  file-log-level: 9\n": "defaults: file-log-level must be a whole number from 0 to 5",
		"servr: http://x\n":                `unknown key "servr" in ` + path + `:1 (did you mean "server"?)`,
	} {
		os.WriteFile(path, []byte(body), 0o644)
		r := runCLI(t, "", "-n", "true")
		if r.code != 1 || !strings.Contains(r.errOut, path) || !strings.Contains(r.errOut, want) || strings.Count(r.errOut, "\n") != 1 {
			t.Errorf("config %q: exit %d stderr %q", body, r.code, r.errOut)
		}
	}
}

package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const printOpts = `echo "B=$TCPSNITCH_OPT_B U=$TCPSNITCH_OPT_U C=$TCPSNITCH_OPT_C F=$TCPSNITCH_OPT_F L=$TCPSNITCH_OPT_L T=$TCPSNITCH_OPT_T V=$TCPSNITCH_OPT_V"`

func writeConfig(t *testing.T, body string) {
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tcpsnitch", "config.yaml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEachFlagReachesTheShim(t *testing.T) {
	fakeLibDir(t)
	cases := map[string][]string{
		"B=0 U=0 C=0 F=2 L=1 T=1000 V=0":    nil, // built-in defaults
		"B=4096 U=0 C=0 F=2 L=1 T=1000 V=0": {"-b", "4096"},
		"B=0 U=500 C=0 F=2 L=1 T=1000 V=0":  {"--tcp-info-usec", "500"},
		"B=0 U=0 C=1 F=2 L=1 T=1000 V=0":    {"-c"},
		"B=0 U=0 C=0 F=5 L=1 T=1000 V=0":    {"-f", "5"},
		"B=0 U=0 C=0 F=2 L=0 T=1000 V=0":    {"-l", "0"},
		"B=0 U=0 C=0 F=2 L=1 T=20 V=0":      {"-t", "20"},
		"B=0 U=0 C=0 F=2 L=1 T=1000 V=1":    {"-v"},
		"B=1 U=2 C=1 F=3 L=4 T=5 V=1":       {"-cv", "-b1", "-u=2", "--file-log-level", "3", "-l", "4", "--write-period=5"},
	}
	for want, flags := range cases {
		args := append(append([]string{"-n"}, flags...), "sh", "-c", printOpts)
		r := runCLI(t, "", args...)
		if r.code != 0 || r.out != want+"\n" {
			t.Errorf("%v: exit %d, program saw %q, want %q (stderr %q)", flags, r.code, r.out, want, r.errOut)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	fakeLibDir(t)
	writeConfig(t, "defaults:\n  tcp-info-bytes: 100\n  file-log-level: 4\n  capture: true\n  no-upload: true\n")
	// config over built-in defaults; flags over config.
	r := runCLI(t, "", "-b", "200", "sh", "-c", printOpts)
	if r.out != "B=200 U=0 C=1 F=4 L=1 T=1000 V=0\n" {
		t.Fatalf("program saw %q (stderr %q)", r.out, r.errOut)
	}
	// no-upload: true from the config: no upload message at all.
	if strings.Contains(r.errOut, "not uploaded") {
		t.Fatalf("config no-upload ignored: %q", r.errOut)
	}
}

func TestProgramExitCodeAndStreamsPassThrough(t *testing.T) {
	fakeLibDir(t)
	r := runCLI(t, "from stdin\n", "-n", "sh", "-c", `read l; echo "out:$l"; echo err >&2; exit 42`)
	if r.code != 42 || r.out != "out:from stdin\n" || !strings.HasPrefix(r.errOut, "err\n") {
		t.Fatalf("exit %d out %q err %q", r.code, r.out, r.errOut)
	}
	r = runCLI(t, "", "-n", "sh", "-c", "kill -TERM $$")
	if r.code != 143 {
		t.Fatalf("killed program: exit %d", r.code)
	}
}

// Flags stop at the command: what follows goes to it, even tcpsnitch flags.
func TestFlagsAfterTheCommandBelongToIt(t *testing.T) {
	fakeLibDir(t)
	r := runCLI(t, "", "-n", "sh", "-c", `echo "args:$*"`, "sh", "-n", "-d", "x", "--version", "-b", "-1")
	if r.code != 0 || r.out != "args:-n -d x --version -b -1\n" {
		t.Fatalf("exit %d out %q err %q", r.code, r.out, r.errOut)
	}
	// "--" ends tcpsnitch's flags too, so a program named like a subcommand runs.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "version"), []byte("#!/bin/sh\necho traced-version\n"), 0o755)
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	r = runCLI(t, "", "-n", "--", "version")
	if r.code != 0 || r.out != "traced-version\n" {
		t.Fatalf("-- version: exit %d out %q", r.code, r.out)
	}
}

func TestMessagesAfterTheRun(t *testing.T) {
	fakeLibDir(t)
	dir := filepath.Join(t.TempDir(), "trace")
	r := runCLI(t, "", "-d", dir, "sh", "-c", fakeShimNoSocket)
	if r.code != 0 || !strings.Contains(r.errOut, "the trace is empty: sh used no internet socket") ||
		!strings.Contains(r.errOut, "Trace saved in "+dir+".\n") || !strings.Contains(r.errOut, "Trace not uploaded: it holds no socket.") {
		t.Fatalf("empty trace: exit %d stderr %q", r.code, r.errOut)
	}
	// A shim that never reported (this test's stand-in shim does nothing):
	// not "empty", which nobody knows.
	r = runCLI(t, "", "-n", "-d", dir, "sh", "-c", "true")
	if r.code != 0 || strings.Contains(r.errOut, "empty") || !strings.Contains(r.errOut, "the shim never reported from sh") {
		t.Fatalf("no report: exit %d stderr %q", r.code, r.errOut)
	}
	t.Setenv("DROPPED", "3")
	r = runCLI(t, "", "-n", "-d", dir, "sh", "-c", fakeShimOutput)
	if r.code != 0 || !strings.Contains(r.errOut, "warning: 3 of 13 events were dropped") || strings.Contains(r.errOut, "empty") {
		t.Fatalf("drops: exit %d stderr %q", r.code, r.errOut)
	}
	t.Setenv("DROPPED", "0")
	r = runCLI(t, "", "-n", "-d", t.TempDir(), "sh", "-c", fakeShimOutput)
	if strings.Contains(r.errOut, "dropped") || strings.Contains(r.errOut, "warning") {
		t.Fatalf("no drops but: %q", r.errOut)
	}
}

func TestMetaFiles(t *testing.T) {
	fakeLibDir(t)
	dir := t.TempDir()
	r := runCLI(t, "", "-n", "-d", dir, "-b", "512", "-f", "3", "-u", "7", "sh", "-c", "exit 0", "arg")
	if r.code != 0 {
		t.Fatalf("exit %d %q", r.code, r.errOut)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "meta", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, want := range map[string]string{"app": "sh\n", "cmd": "sh -c exit 0 arg\n", "opt_b": "512\n", "opt_f": "3\n",
		"opt_u": "7\n", "os": "Linux\n", "version": "dev\n", "git_hash": "unknown\n", "app_version": ""} {
		if got := read(name); got != want {
			t.Errorf("meta/%s = %q, want %q", name, got, want)
		}
	}
}

// The whole path through the CLI: a trace is archived and posted to the
// server given by --server, over TCPSNITCH_SERVER, over the config file.
func TestUploadThroughTheCLI(t *testing.T) {
	fakeLibDir(t)
	t.Setenv("DROPPED", "0")
	hits := map[string][]string{}
	server := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, _, err := r.FormFile("app_trace[archive]")
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			gz, _ := gzip.NewReader(f)
			tr := tar.NewReader(gz)
			for h, err := tr.Next(); err == nil; h, err = tr.Next() {
				io.Copy(io.Discard, tr)
				hits[name] = append(hits[name], h.Name)
			}
			io.WriteString(w, "http://collector.test/traces/1\n")
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	flag, env, cfg := server("flag"), server("env"), server("config")
	writeConfig(t, "server: "+cfg+"\n")

	r := runCLI(t, "", "sh", "-c", fakeShimOutput)
	t.Setenv("TCPSNITCH_SERVER", env)
	r2 := runCLI(t, "", "sh", "-c", fakeShimOutput)
	r3 := runCLI(t, "", "--server", flag, "sh", "-c", fakeShimOutput)
	for _, res := range []cliResult{r, r2, r3} {
		if res.code != 0 || !strings.Contains(res.errOut, "Trace uploaded: http://collector.test/traces/1\n") {
			t.Fatalf("exit %d stderr %q", res.code, res.errOut)
		}
	}
	for _, name := range []string{"config", "env", "flag"} {
		members := strings.Join(hits[name], " ")
		if !strings.Contains(members, "./fake_000/0.json") || !strings.Contains(members, "./meta/app") {
			t.Errorf("%s server got %q", name, members)
		}
	}
}

func TestUploadFailureExitCode(t *testing.T) {
	fakeLibDir(t)
	t.Setenv("DROPPED", "0")
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nobody listens there any more
	r := runCLI(t, "", "--server", url, "sh", "-c", fakeShimOutput)
	if r.code != 1 || !strings.Contains(r.errOut, "tcpsnitch: upload to "+url+" failed") || !strings.Contains(r.errOut, "the trace is kept in") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	// The program's own failure wins over the upload's.
	r = runCLI(t, "", "--server", url, "sh", "-c", fakeShimOutput+"; exit 5")
	if r.code != 5 || !strings.Contains(r.errOut, "upload to "+url+" failed") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}

func TestVersionAndConfigCommands(t *testing.T) {
	fakeLibDir(t)
	version, gitHash = "v9.9", "abc123"
	t.Cleanup(func() { version, gitHash = "", "" })
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.out != "tcpsnitch version v9.9 (git abc123)\n" {
			t.Fatalf("%v: %d %q", args, r.code, r.out)
		}
	}
	writeConfig(t, "server: http://from.config\ndevice: emulator-5554\ndefaults:\n  tcp-info-bytes: 64\n  verbose: true\n")
	t.Setenv("ANDROID_SERIAL", "R58M")
	r := runCLI(t, "", "config")
	// Compare with runs of spaces folded: column widths depend on the values.
	var lines []string
	for _, l := range strings.Split(r.out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"config file " + filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tcpsnitch", "config.yaml") + " (found)",
		"server http://from.config (config file)",
		"device R58M (ANDROID_SERIAL)",
		"tcp-info-bytes (-b) 64 (config file)",
		"file-log-level (-f) 2 (default)",
		"verbose (-v) true (config file)",
		"capture (-c) false (default)",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("config output lacks %q:\n%s", want, r.out)
		}
	}
}

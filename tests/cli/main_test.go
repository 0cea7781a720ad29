// Package cli tests the built tcpsnitch binary end to end: real programs
// (curl, small C programs) traced by the real shim against local servers.
// It needs `make` first (the shim in lib/tcpsnitch); `make test` does that.
package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

const testVersion = "v0.0.0-e2e"

var (
	repoRoot string // the repository
	bin      string // tcpsnitch built for these tests, in <tmp>/bin next to <tmp>/lib/tcpsnitch
	tools    string // compiled testdata programs
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	libDir := filepath.Join(repoRoot, "lib", "tcpsnitch")
	if _, err := os.Stat(filepath.Join(libDir, "linux-x86_64", "libtcpsnitch.so")); err != nil {
		fmt.Fprintln(os.Stderr, "tests/cli: lib/tcpsnitch/linux-x86_64/libtcpsnitch.so not found: run `make` first (make test does)")
		return 1
	}
	tmp, err := os.MkdirTemp("", "tcpsnitch-e2e-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	// The installed layout: <prefix>/bin/tcpsnitch, <prefix>/lib/tcpsnitch.
	os.MkdirAll(filepath.Join(tmp, "bin"), 0o755)
	os.MkdirAll(filepath.Join(tmp, "lib"), 0o755)
	if err := os.Symlink(libDir, filepath.Join(tmp, "lib", "tcpsnitch")); err != nil {
		panic(err)
	}
	bin = filepath.Join(tmp, "bin", "tcpsnitch")
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion+" -X main.gitHash=e2e", "-o", bin, "./cmd/tcpsnitch")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building tcpsnitch: %v\n%s", err, out)
		return 1
	}
	tools = filepath.Join(tmp, "tools")
	os.MkdirAll(tools, 0o755)
	for _, c := range []struct {
		name, src string
		flags     []string
	}{
		{"client", "client.c", nil},
		{"client-static", "client.c", []string{"-static"}},
		{"fileonly", "fileonly.c", nil},
		{"reportclient", "reportclient.c", nil},
		{"threads", "threads.c", []string{"-pthread"}},
		{"spooler", "spooler.c", nil},
	} {
		args := append([]string{"-O1", "-o", filepath.Join(tools, c.name), filepath.Join("testdata", c.src)}, c.flags...)
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "gcc %s: %v\n%s", c.src, err, out)
			return 1
		}
	}
	// Keep the user's config and server out of the tests.
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	os.Unsetenv("TCPSNITCH_SERVER")
	os.Unsetenv("TCPSNITCH_LIBDIR")
	os.Setenv("TMPDIR", tmp)
	return m.Run()
}

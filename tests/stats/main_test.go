// Package statstest checks the socket-API statistics (internal/stats) on
// real traces: programs with known calls (testdata/statsprog.c prints
// every call it makes on a socket), curl and python3, traced by the real
// shim through bin/tcpsnitch. Every number is compared with a count made
// here from what the programs did. Needs `make` first.
package statstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

var (
	repoRoot string
	bin      string // tcpsnitch built for these tests, in <tmp>/bin next to <tmp>/lib/tcpsnitch
	statsbin string // testdata/statsprog.c, compiled
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	libDir := filepath.Join(repoRoot, "lib", "tcpsnitch")
	if _, err := os.Stat(filepath.Join(libDir, "linux-x86_64", "libtcpsnitch.so")); err != nil {
		fmt.Fprintln(os.Stderr, "tests/stats: lib/tcpsnitch/linux-x86_64/libtcpsnitch.so not found: run `make` first")
		os.Exit(1)
	}
	tmp, err := os.MkdirTemp("", "tcpsnitch-stats-")
	if err != nil {
		panic(err)
	}
	// The installed layout: <prefix>/bin/tcpsnitch, <prefix>/lib/tcpsnitch,
	// with the CLI built from this tree (never a stale bin/).
	os.MkdirAll(filepath.Join(tmp, "bin"), 0o755)
	os.MkdirAll(filepath.Join(tmp, "lib"), 0o755)
	if err := os.Symlink(libDir, filepath.Join(tmp, "lib", "tcpsnitch")); err != nil {
		panic(err)
	}
	bin = filepath.Join(tmp, "bin", "tcpsnitch")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tcpsnitch")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building tcpsnitch: %v\n%s", err, out)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	os.Unsetenv("TCPSNITCH_SERVER")
	statsbin = filepath.Join(tmp, "statsprog")
	if out, err := exec.Command("gcc", "-O1", "-Wall", "-o", statsbin, filepath.Join("testdata", "statsprog.c"), "-lpthread").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "gcc statsprog.c: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

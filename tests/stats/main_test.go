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
	bin      string // the worktree's bin/tcpsnitch (finds lib/tcpsnitch next to it)
	statsbin string // testdata/statsprog.c, compiled
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	bin = filepath.Join(repoRoot, "bin", "tcpsnitch")
	for _, f := range []string{bin, filepath.Join(repoRoot, "lib", "tcpsnitch", "linux-x86_64", "libtcpsnitch.so")} {
		if _, err := os.Stat(f); err != nil {
			fmt.Fprintf(os.Stderr, "tests/stats: %s not found: run `make` first\n", f)
			os.Exit(1)
		}
	}
	tmp, err := os.MkdirTemp("", "tcpsnitch-stats-")
	if err != nil {
		panic(err)
	}
	statsbin = filepath.Join(tmp, "statsprog")
	if out, err := exec.Command("gcc", "-O1", "-Wall", "-o", statsbin, filepath.Join("testdata", "statsprog.c"), "-lpthread").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "gcc statsprog.c: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// Package realprogs runs real programs installed from Debian (redis, nginx,
// curl, wget, python3 with multiprocessing and socket passing, node (also
// stopped by SIGTERM), bash's /dev/tcp, java, dig, socat in fork mode, sshd
// with its privilege-separated sandbox, headless Chromium with and without
// its sandbox, programs with jemalloc or tcmalloc preloaded) under the real
// tcpsnitch CLI and checks each trace against an
// independent truth: bytes counted by a relay the test puts between client
// and server, the server's own access log, the client's own output.
//
// It needs `make` first (the shims in lib/tcpsnitch) and the packages of
// scripts/packages/realprogs.txt and probe.txt (scripts/deps.sh installs
// them).
package realprogs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

var (
	repoRoot string // the repository
	bin      string // tcpsnitch built for these tests, in <tmp>/bin next to <tmp>/lib/tcpsnitch
	workDir  string // scratch space shared by the tests (compiled Java client)
)

func TestMain(m *testing.M) { os.Exit(setup(m)) }

func setup(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	libDir, err := filepath.Abs(filepath.Join(repoRoot, "lib", "tcpsnitch"))
	if err != nil {
		panic(err)
	}
	if _, err := os.Stat(filepath.Join(libDir, "linux-x86_64", "libtcpsnitch.so")); err != nil {
		fmt.Fprintln(os.Stderr, "tests/realprogs: lib/tcpsnitch/linux-x86_64/libtcpsnitch.so not found: run `make` first (make test does)")
		return 1
	}
	tmp, err := os.MkdirTemp("", "tcpsnitch-realprogs-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	// nginx's workers run as nobody: the trace directories and the files
	// they serve live below tmp, which they must be able to traverse, as
	// they can /tmp where a user would put a trace.
	if err := os.Chmod(tmp, 0o755); err != nil {
		panic(err)
	}
	// The installed layout: <prefix>/bin/tcpsnitch, <prefix>/lib/tcpsnitch.
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
		return 1
	}
	workDir = filepath.Join(tmp, "work")
	os.MkdirAll(workDir, 0o755)
	// Keep the user's config and server out of the tests.
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	os.Unsetenv("TCPSNITCH_SERVER")
	os.Unsetenv("TCPSNITCH_LIBDIR")
	os.Unsetenv("LD_PRELOAD")
	os.Setenv("TMPDIR", tmp)
	return m.Run()
}

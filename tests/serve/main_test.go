// Package serve tests `tcpsnitch serve` end to end: the real binary serving,
// the real CLI tracing real programs (curl) and uploading, uploads built by
// hand the way the original tcpsnitch's curl line did, hostile archives,
// concurrent uploads, and the pages in headless Chromium. It needs `make`
// first (the shim in lib/tcpsnitch); `make test` does that.
package serve

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

var (
	repoRoot  string
	bin       string // tcpsnitch built for these tests, next to <tmp>/lib/tcpsnitch
	artifacts string // screenshots kept after the tests
)

func TestMain(m *testing.M) { os.Exit(setup(m)) }

func setup(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Join(filepath.Dir(file), "..", "..")
	libDir := filepath.Join(repoRoot, "lib", "tcpsnitch")
	if _, err := os.Stat(filepath.Join(libDir, "linux-x86_64", "libtcpsnitch.so")); err != nil {
		fmt.Fprintln(os.Stderr, "tests/serve: lib/tcpsnitch/linux-x86_64/libtcpsnitch.so not found: run `make` first (make test does)")
		return 1
	}
	tmp, err := os.MkdirTemp("", "tcpsnitch-serve-e2e-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	os.MkdirAll(filepath.Join(tmp, "bin"), 0o755)
	os.MkdirAll(filepath.Join(tmp, "lib"), 0o755)
	if err := os.Symlink(libDir, filepath.Join(tmp, "lib", "tcpsnitch")); err != nil {
		panic(err)
	}
	bin = filepath.Join(tmp, "bin", "tcpsnitch")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v0.0.0-serve-e2e -X main.gitHash=e2e", "-o", bin, "./cmd/tcpsnitch")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building tcpsnitch: %v\n%s", err, out)
		return 1
	}
	artifacts = os.Getenv("TCPSNITCH_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(repoRoot, "build", "test-artifacts")
	}
	artifacts = filepath.Join(artifacts, "serve")
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	os.Setenv("XDG_DATA_HOME", filepath.Join(tmp, "data"))
	os.Unsetenv("TCPSNITCH_SERVER")
	os.Unsetenv("TCPSNITCH_SERVE_TOKEN")
	os.Setenv("TMPDIR", tmp)
	return m.Run()
}

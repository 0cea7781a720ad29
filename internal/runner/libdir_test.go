package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLibDirFromEnvAndExecutable(t *testing.T) {
	t.Setenv("TCPSNITCH_LIBDIR", "/opt/x/lib/tcpsnitch")
	if got, _ := LibDir(); got != "/opt/x/lib/tcpsnitch" {
		t.Fatalf("env libdir: %s", got)
	}
	t.Setenv("TCPSNITCH_LIBDIR", "")
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	want := filepath.Join(filepath.Dir(exe), "..", "lib", "tcpsnitch")
	if got, _ := LibDir(); got != want {
		t.Fatalf("exe-relative libdir %s, want %s", got, want)
	}
}

func layout(t *testing.T, withI386 bool) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "linux-x86_64"), 0o755)
	os.WriteFile(filepath.Join(dir, "linux-x86_64", "libtcpsnitch.so"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.Symlink("../linux-x86_64", filepath.Join(dir, "lib", "x86_64-linux-gnu"))
	if withI386 {
		os.MkdirAll(filepath.Join(dir, "linux-i386"), 0o755)
		os.WriteFile(filepath.Join(dir, "linux-i386", "libtcpsnitch.so"), []byte("x"), 0o644)
		os.Symlink("linux-i386", filepath.Join(dir, "lib32"))
	}
	return dir
}

func TestPreloadPicksLiteralLIBOnlyWithI386(t *testing.T) {
	dir := layout(t, false)
	got, err := Preload(dir, "")
	if err != nil || got != filepath.Join(dir, "linux-x86_64", "libtcpsnitch.so") {
		t.Fatalf("x86_64 only: %s, %v", got, err)
	}
	dir = layout(t, true)
	got, err = Preload(dir, "")
	if err != nil || got != dir+"/$LIB/libtcpsnitch.so" {
		t.Fatalf("with i386: %s, %v", got, err)
	}
}

func TestPreloadMissingShimAndOverride(t *testing.T) {
	dir := t.TempDir()
	_, err := Preload(dir, "")
	if err == nil || !strings.Contains(err.Error(), "shim not found") || !strings.Contains(err.Error(), "TCPSNITCH_LIBDIR") {
		t.Fatalf("missing shim: %v", err)
	}
	own := filepath.Join(dir, "my.so")
	os.WriteFile(own, []byte("x"), 0o644)
	if got, err := Preload("/nowhere", own); err != nil || got != own {
		t.Fatalf("--shim: %s, %v", got, err)
	}
	if _, err := Preload("/nowhere", filepath.Join(dir, "nope.so")); err == nil {
		t.Fatal("missing --shim file accepted")
	}
}

func TestResolve(t *testing.T) {
	if p, err := Resolve("sh"); err != nil || !filepath.IsAbs(p) {
		t.Fatalf("sh: %s, %v", p, err)
	}
	var nf *NotFoundError
	if _, err := Resolve("no-such-program-xyz"); err == nil || !strings.Contains(err.Error(), "command not found: no-such-program-xyz") {
		t.Fatalf("missing: %v", err)
	} else if _, ok := err.(*NotFoundError); !ok {
		t.Fatalf("missing: %T, want %T", err, nf)
	}
	file := filepath.Join(t.TempDir(), "data.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := Resolve(file); err == nil || !strings.Contains(err.Error(), "cannot execute") {
		t.Fatalf("non-executable: %v", err)
	}
}

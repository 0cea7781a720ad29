package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildC compiles testdata/<src> with gcc into a temp dir.
func buildC(t *testing.T, src string, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(src[:len(src)-2]))
	args := append([]string{"-O1", "-o", out, filepath.Join("testdata", src)}, flags...)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, b)
	}
	return out
}

// emptyShim is a shared library that does nothing, standing in for the
// shim where a test checks what the runner does, not what the shim does.
func emptyShim(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "empty.c")
	os.WriteFile(src, []byte("int tcpsnitch_test_dummy;\n"), 0o644)
	lib := filepath.Join(dir, "libtcpsnitch.so")
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-o", lib, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	return lib
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

package adbtest

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPushPullFileAndTree(t *testing.T) {
	d, s := startConnected(t, Config{Packages: []Package{{Name: "com.example.app"}}})
	host := t.TempDir()
	big := make([]byte, 300*1024+17) // several DATA chunks and a short last one
	rand.Read(big)
	tree := map[string][]byte{
		"tree/big.bin":          big,
		"tree/empty":            nil,
		"tree/sub/a.txt":        []byte("alpha\n"),
		"tree/sub/deeper/b.txt": []byte("beta\n"),
	}
	for name, content := range tree {
		p := filepath.Join(host, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One file: bytes, owner (adbd runs as shell) and the label of a push.
	s.Run(t, "-s", d.Addr(), "push", filepath.Join(host, "tree/big.bin"), "/data/local/tmp/x/big.bin")
	if got, _ := os.ReadFile(d.Path("/data/local/tmp/x/big.bin")); !bytes.Equal(got, big) {
		t.Fatalf("pushed file differs (%d bytes on device)", len(got))
	}
	if uid := fileUID(t, d.Path("/data/local/tmp/x/big.bin")); uid != uidShell {
		t.Fatalf("pushed file owned by %d", uid)
	}
	if l := d.Label("/data/local/tmp/x/big.bin"); l != "u:object_r:shell_data_file:s0" {
		t.Fatalf("label of a pushed file: %s", l)
	}
	// A directory tree, there and back.
	s.Run(t, "-s", d.Addr(), "push", filepath.Join(host, "tree"), "/data/local/tmp/")
	back := t.TempDir()
	s.Run(t, "-s", d.Addr(), "pull", "/data/local/tmp/tree", back)
	for name, content := range tree {
		got, err := os.ReadFile(filepath.Join(back, name))
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("pulled %s: %v (%d bytes, want %d)", name, err, len(got), len(content))
		}
	}
	// The shell user may not read an app's data (its lstat fails, so the
	// file "does not exist", as on a phone), nor write there.
	os.WriteFile(d.Path("/data/data/com.example.app/secret"), []byte("s"), 0o600)
	out, err := s.RunErr("-s", d.Addr(), "pull", "/data/data/com.example.app/secret", back)
	if err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("pull of app data as shell: %v\n%s", err, out)
	}
	out, err = s.RunErr("-s", d.Addr(), "push", filepath.Join(host, "tree/sub/a.txt"), "/data/data/com.example.app/a.txt")
	if err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("push into app data as shell: %v\n%s", err, out)
	}
	// Missing remote path.
	out, err = s.RunErr("-s", d.Addr(), "pull", "/data/local/tmp/nope", back)
	if err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("pull of a missing file: %v\n%s", err, out)
	}
}

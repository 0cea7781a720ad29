package archive

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestCreatePacksTheTraceLikeTar(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "meta"), 0o755)
	os.MkdirAll(filepath.Join(dir, "curl_000"), 0o755)
	os.WriteFile(filepath.Join(dir, "meta", "app"), []byte("curl\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "curl_000", "0.json"), []byte(`{"type": "socket"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, Name), []byte("stale archive"), 0o644)

	path, err := Create(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, Name) {
		t.Fatalf("archive at %s", path)
	}
	// The system tar is the reference reader.
	out, err := exec.Command("tar", "-tzf", path).Output()
	if err != nil {
		t.Fatalf("tar cannot list the archive: %v", err)
	}
	names := strings.Fields(string(out))
	sort.Strings(names)
	want := []string{"./curl_000/", "./curl_000/0.json", "./meta/", "./meta/app"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("members %v, want %v", names, want)
	}
	extract := t.TempDir()
	if err := exec.Command("tar", "-xzf", path, "-C", extract).Run(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(extract, "curl_000", "0.json"))
	if string(got) != `{"type": "socket"}`+"\n" {
		t.Fatalf("content changed: %q", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".archive-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestCreateInMissingDirFails(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "gone"), nil); err == nil {
		t.Fatal("no error for a missing directory")
	}
}

// With members, only those top-level entries are packed: a run's own meta
// and process directories, not the user's files or earlier runs.
func TestCreatePacksOnlyTheMembers(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"meta", "meta.1", "curl_000", "curl_001"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
		os.WriteFile(filepath.Join(dir, d, "f"), []byte(d), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	path, err := Create(dir, []string{"meta", "curl_001"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tar", "-tzf", path).Output()
	if err != nil {
		t.Fatalf("tar cannot list the archive: %v", err)
	}
	names := strings.Fields(string(out))
	sort.Strings(names)
	if got, want := strings.Join(names, " "), "./curl_001/ ./curl_001/f ./meta/ ./meta/f"; got != want {
		t.Fatalf("members %s, want %s", got, want)
	}
}

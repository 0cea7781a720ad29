package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two runs into one trace directory: the second upload holds the second
// run's meta and process directory only, and each run's meta is kept.
func TestReusedTraceDirUploadsThisRunOnly(t *testing.T) {
	srv := newServer(t, 100)
	col := newCollector(t, false)
	dir := t.TempDir()
	if r := tcpsnitch(t, "", "-n", "-d", dir, tool("client"), srv.port); r.code != 0 {
		t.Fatalf("first run: exit %d %q", r.code, r.errOut)
	}
	r := tcpsnitch(t, "", "-d", dir, "--server", col.URL, tool("client"), srv.port, "second")
	if r.code != 0 {
		t.Fatalf("second run: exit %d %q", r.code, r.errOut)
	}
	ups := col.got()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	u := ups[0]
	for _, name := range u.names() {
		if !strings.HasPrefix(name, "./meta/") && !strings.HasPrefix(name, "./client_001/") {
			t.Errorf("archive member %s is not the second run's", name)
		}
	}
	if u.members["./meta/cmd"] != tool("client")+" "+srv.port+" second\n" || u.members["./meta/processes"] != "client_001\n" ||
		u.members["./client_001/0.json"] == "" {
		t.Fatalf("archive: cmd %q processes %q members %v", u.members["./meta/cmd"], u.members["./meta/processes"], u.names())
	}
	// The first run's meta is kept as meta.1/, naming its own process.
	first, _ := os.ReadFile(filepath.Join(dir, "meta.1", "cmd"))
	procs, _ := os.ReadFile(filepath.Join(dir, "meta.1", "processes"))
	if string(first) != tool("client")+" "+srv.port+"\n" || string(procs) != "client_000\n" {
		t.Fatalf("meta.1: cmd %q processes %q", first, procs)
	}
}

// A directory that holds the user's own files is not written into
// without --force; with it, the user's files stay untouched and are not
// uploaded.
func TestNotATraceDirNeedsForce(t *testing.T) {
	srv := newServer(t, 100)
	col := newCollector(t, false)
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("my notes\n"), 0o644)
	marker := filepath.Join(t.TempDir(), "started")

	r := tcpsnitch(t, "", "-d", dir, "--server", col.URL, "sh", "-c", "touch "+marker)
	want := "tcpsnitch: trace directory " + dir + " is not a tcpsnitch trace (it holds notes.txt): use a new or empty directory, or --force to write into it anyway\n"
	if r.code != 1 || r.errOut != want {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the program was started")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the directory was written into: %v", entries)
	}

	r = tcpsnitch(t, "", "--force", "-d", dir, "--server", col.URL, tool("client"), srv.port)
	if r.code != 0 || len(col.got()) != 1 {
		t.Fatalf("--force: exit %d uploads %d stderr %q", r.code, len(col.got()), r.errOut)
	}
	if _, ok := col.got()[0].members["./notes.txt"]; ok {
		t.Fatal("the user's notes.txt was uploaded")
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Fatalf("notes.txt changed: %q", b)
	}
}

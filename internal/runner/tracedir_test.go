package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTraceDirDefaultIsNewTempDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a, err := TraceDir("", "curl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TraceDir("", "curl")
	if a == b || filepath.Dir(a) != tmp || !strings.HasPrefix(filepath.Base(a), "tcpsnitch-curl-") {
		t.Fatalf("default dirs %s and %s", a, b)
	}
}

func TestTraceDirChecks(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o644)
	readOnly := filepath.Join(base, "ro")
	os.Mkdir(readOnly, 0o555)
	existing := filepath.Join(base, "existing")
	os.Mkdir(existing, 0o755)

	cases := []struct {
		dir, wantErr string
	}{
		{existing, ""},
		{filepath.Join(base, "new"), ""},
		{file, "is not a directory"},
		{filepath.Join(base, "missing", "child"), "parent directory " + filepath.Join(base, "missing") + " does not exist"},
		{filepath.Join(file, "child"), "not a directory"},
	}
	if os.Getuid() != 0 { // root can write anywhere
		cases = append(cases, struct{ dir, wantErr string }{readOnly, "is not writable"},
			struct{ dir, wantErr string }{filepath.Join(readOnly, "sub"), "cannot be created"})
	}
	for _, c := range cases {
		got, err := TraceDir(c.dir, "app")
		if c.wantErr == "" {
			if err != nil || got != c.dir {
				t.Errorf("TraceDir(%s) = %s, %v", c.dir, got, err)
			} else if st, _ := os.Stat(got); st == nil || !st.IsDir() {
				t.Errorf("TraceDir(%s) did not create it", c.dir)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("TraceDir(%s) error %v, want it to name the dir and say %q", c.dir, err, c.wantErr)
		}
	}
}

func TestTraceDirIsAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	got, err := TraceDir("rel", "app")
	if err != nil || !filepath.IsAbs(got) {
		t.Fatalf("got %s, %v", got, err)
	}
}

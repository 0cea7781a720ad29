package meta

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestWriteCreatesEveryDocumentedFile(t *testing.T) {
	dir := t.TempDir()
	info := Info{App: "curl", Cmd: "curl -s http://x/", Kernel: "6.1.0", Machine: "x86_64",
		OS: "Linux", Net: "net.a = 1\nnet.b = 2\n", Version: "v1", GitHash: "abc",
		HostID: "h", AppVersion: "", OptB: "0", OptF: "2", OptU: "0"}
	if err := Write(dir, info); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "curl\n", "cmd": "curl -s http://x/\n", "kernel": "6.1.0\n",
		"machine": "x86_64\n", "os": "Linux\n", "net": "net.a = 1\nnet.b = 2\n", "version": "v1\n",
		"git_hash": "abc\n", "host_id": "h\n", "app_version": "", "opt_b": "0\n", "opt_f": "2\n", "opt_u": "0\n"}
	entries, _ := os.ReadDir(filepath.Join(dir, "meta"))
	if len(entries) != len(want) {
		t.Fatalf("meta/ has %d files, want %d", len(entries), len(want))
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, "meta", name))
		if err != nil || string(got) != content {
			t.Errorf("meta/%s = %q (%v), want %q", name, got, err, content)
		}
	}
}

func TestWriteIntoUnwritableDirFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := Write(file, Info{}); err == nil {
		t.Fatal("writing meta under a regular file succeeded")
	}
}

func TestHostFacts(t *testing.T) {
	var info Info
	Host(&info)
	if info.OS != "Linux" || info.Kernel == "" || info.Machine == "" {
		t.Fatalf("uname facts missing: %+v", info)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(info.HostID) || HostID() != info.HostID {
		t.Fatalf("host id %q is not a stable sha256", info.HostID)
	}
	if !strings.Contains(info.Net, "net.ipv4.tcp_congestion_control = ") {
		t.Fatalf("net facts miss tcp_congestion_control:\n%.300s", info.Net)
	}
}

func TestNetSysctlFormat(t *testing.T) {
	root := filepath.Join(t.TempDir(), "net")
	os.MkdirAll(filepath.Join(root, "ipv4"), 0o755)
	os.WriteFile(filepath.Join(root, "ipv4", "tcp_sack"), []byte("1\n"), 0o644)
	os.WriteFile(filepath.Join(root, "ipv4", "tcp_rmem"), []byte("4096\t131072\t6291456\n"), 0o644)
	got := NetSysctl(root)
	want := "net.ipv4.tcp_rmem = 4096\t131072\t6291456\nnet.ipv4.tcp_sack = 1\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

// A value longer than the first, small read is read again whole.
func TestNetSysctlLongValue(t *testing.T) {
	root := filepath.Join(t.TempDir(), "net")
	os.MkdirAll(filepath.Join(root, "core"), 0o755)
	long := strings.Repeat("0123456789", 1000) // crosses both buffers
	os.WriteFile(filepath.Join(root, "core", "long"), []byte(long+"\n"), 0o644)
	if got, want := NetSysctl(root), "net.core.long = "+long+"\n"; got != want {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
}

func TestKeepEarlierNumbersRunsInOrder(t *testing.T) {
	dir := t.TempDir()
	if moved, err := KeepEarlier(dir); moved != "" || err != nil {
		t.Fatalf("no meta yet: %q %v", moved, err)
	}
	for run := 1; run <= 3; run++ {
		if err := Write(dir, Info{App: "run" + string(rune('0'+run))}); err != nil {
			t.Fatal(err)
		}
		if err := WriteProcesses(dir, []string{"curl_00" + string(rune('0'+run-1))}); err != nil {
			t.Fatal(err)
		}
		if run < 3 {
			if moved, err := KeepEarlier(dir); err != nil || moved != "meta."+string(rune('0'+run)) {
				t.Fatalf("run %d: moved to %q, %v", run, moved, err)
			}
		}
	}
	for name, want := range map[string]string{"meta.1/app": "run1\n", "meta.2/app": "run2\n", "meta/app": "run3\n", "meta.2/processes": "curl_001\n"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s = %q, want %q", name, b, want)
		}
	}
}

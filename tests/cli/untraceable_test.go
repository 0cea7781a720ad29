package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaticProgramIsWarnedAbout(t *testing.T) {
	srv := newServer(t, 100)
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), tool("client-static"), srv.port)
	want := "tcpsnitch: warning: " + tool("client-static") + " is statically linked: the loader never reads LD_PRELOAD, so tcpsnitch cannot trace it.\n"
	if r.code != 0 || !strings.HasPrefix(r.errOut, want) {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, "the trace is empty") {
		t.Fatal("the empty trace is reported twice")
	}
}

func TestGoProgramIsWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module goprog\ngo 1.21\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nimport \"net\"\nfunc main() { net.Dial(\"tcp\", \"127.0.0.1:1\") }\n"), 0o644)
	prog := filepath.Join(dir, "goprog")
	build := exec.Command("go", "build", "-o", prog, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), prog)
	if !strings.Contains(r.errOut, "tcpsnitch: warning: "+prog+" is a statically linked Go program") {
		t.Fatalf("stderr %q", r.errOut)
	}
}

func TestSetuidProgramIsWarnedAbout(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make a set-user-ID file owned by another user")
	}
	prog := filepath.Join(t.TempDir(), "suid-client")
	data, _ := os.ReadFile(tool("client"))
	os.WriteFile(prog, data, 0o755)
	os.Chmod(filepath.Dir(prog), 0o755)
	os.Chown(prog, 65534, -1)
	os.Chmod(prog, os.ModeSetuid|0o755)
	srv := newServer(t, 100)
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	r := tcpsnitch(t, "", "-n", "-d", dir, prog, srv.port)
	if !strings.Contains(r.errOut, "is set-user-ID (runs as uid 65534): the loader ignores LD_PRELOAD for it") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}

// A traced program killed by a signal before it used any socket (apt
// kills its download methods with SIGINT once it has their capabilities):
// the shim was loaded and tracing, so the run must not say the program was
// not traced. It did: the shim's flush on a fatal signal wrote nothing
// when there was nothing to write, not even the line that tells the CLI
// the process was traced.
func TestProgramKilledBeforeAnySocketIsNotCalledUntraced(t *testing.T) {
	script := `sleep 30 & pid=$!; sleep 0.3; kill -TERM $pid; wait $pid; echo "status $?"`
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), "sh", "-c", script)
	if r.code != 0 || strings.TrimSpace(r.out) != "status 143" {
		t.Fatalf("exit %d, stdout %q (want sleep killed by SIGTERM: status 143), stderr %q", r.code, r.out, r.errOut)
	}
	if strings.Contains(r.errOut, "never reported") {
		t.Fatalf("the killed sleep is called untraced:\n%s", r.errOut)
	}
	if !strings.Contains(r.errOut, "the trace is empty: sh used no internet socket.") {
		t.Fatalf("stderr %q, want the trace called empty (no process used a socket)", r.errOut)
	}
}

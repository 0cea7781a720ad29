package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// cliResult is what one tcpsnitch invocation produced.
type cliResult struct {
	code        int
	out, errOut string
}

// runCLI runs the command tree in-process with buffer streams, exactly as
// main does but without touching the real stdio.
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	s, in, out, errOut := cliio.Test()
	in.WriteString(stdin)
	err := execute(context.Background(), args, s, nil)
	code := exitCode(err, s)
	return cliResult{code: code, out: out.String(), errOut: errOut.String()}
}

// fakeLibDir is a libdir whose shim is an empty library: these tests check
// the CLI's wiring, not the shim (tests/cli does that with the real shim).
// It also isolates the config file and the server variable.
func fakeLibDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "linux-x86_64"), 0o755)
	src := filepath.Join(dir, "empty.c")
	os.WriteFile(src, []byte("int tcpsnitch_test_dummy;\n"), 0o644)
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-o", filepath.Join(dir, "linux-x86_64", "libtcpsnitch.so"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	t.Setenv("TCPSNITCH_LIBDIR", dir)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TCPSNITCH_SERVER", "")
	t.Setenv("ANDROID_SERIAL", "")
	t.Setenv("TMPDIR", t.TempDir()) // default trace dirs land here
	return dir
}

// fakeShimOutput is a shell snippet that writes what the shim would: one
// process dir with one socket file and the summary line, and the process's
// summary in the run log, so the CLI's reporting and upload can be tested
// without the real shim.
const fakeShimOutput = `mkdir -p "$TCPSNITCH_OPT_D/fake_000" && ` +
	`echo '{"type": "socket"}' > "$TCPSNITCH_OPT_D/fake_000/0.json" && ` +
	`echo "tcpsnitch: 10 events recorded, $DROPPED dropped" > "$TCPSNITCH_OPT_D/fake_000/logs.txt" && ` +
	`echo "$$ SUMMARY 10 ${DROPPED:-0} 1" >> "$TCPSNITCH_OPT_RUN_LOG"`

// fakeShimNoSocket is what the shim writes for a process that used no
// internet socket: only its summary in the run log.
const fakeShimNoSocket = `echo "$$ SUMMARY 0 0 0" >> "$TCPSNITCH_OPT_RUN_LOG"`

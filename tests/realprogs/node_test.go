package realprogs

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Node.js stopped by SIGTERM (or Ctrl-C) within its first second: node
// dies of those signals through its own SA_RESETHAND handler, which raises
// the signal again, and the process used to die without the shim's final
// pass: "no internet socket was recorded before that", though it had
// fetched a page. The trace must hold the fetch, bytes equal to the
// relay's, and the status must be the signal's (143).
func TestNodeStoppedBySIGTERM(t *testing.T) {
	need(t, "node")
	o := newOrigin(t, "http")
	dir := filepath.Join(t.TempDir(), "trace")
	p := start(t, nil, bin, "-n", "-d", dir, "node", filepath.Join(repoRoot, "tests", "realprogs", "testdata", "getwait.js"), o.url)
	want := strconv.Itoa(len(o.body)) + "\n"
	deadline := time.Now().Add(30 * time.Second)
	for p.out.String() != want {
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("node did not print the body's length within 30 s: stdout %q, stderr %q", p.out.String(), tail(p.err.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// tcpsnitch forwards SIGTERM to the program (docs/cli.md, Signals).
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 30*time.Second)
	if p.code != 128+int(syscall.SIGTERM) {
		t.Fatalf("tcpsnitch exited %d, want node's 143; stderr %q", p.code, tail(p.err.String()))
	}
	if !strings.Contains(p.err.String(), "Trace saved in "+dir+".") {
		t.Fatalf("no \"Trace saved\" line; stderr %q", tail(p.err.String()))
	}
	o.relay.settle(t, 10*time.Second)
	checkClientTrace(t, dir, o.relay)
}

package shim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// A root process that drops to nobody after tracing keeps its whole trace;
// so do its fork child and a program it execs, both running as nobody; and
// no directory of the trace becomes writable by everyone.
func TestPrivilegeDropKeepsTracing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to drop privileges (running as uid %d)", os.Geteuid())
	}
	skipUnderQemu(t, "the test forks and execs an aarch64 program")
	prog := build(t, "privdrop")
	// nobody must reach the program to exec it again.
	if err := os.Chmod(filepath.Dir(prog), 0o755); err != nil {
		t.Fatal(err)
	}
	// As the CLI makes it: mode 0700, directly in $TMPDIR.
	dir, err := os.MkdirTemp("", "tcpsnitch-privdrop-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(ctx, prog, nil, dir)
	// nobody must be able to load the shim in the program it execs: a copy
	// in a directory everyone can read, as an installed shim is.
	shimDir, err := os.MkdirTemp("", "tcpsnitch-privdrop-shim-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shimDir) })
	shimCopy := filepath.Join(shimDir, "libtcpsnitch.so")
	if b, err := os.ReadFile(tgt.shim); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(shimCopy, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shimDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, e := range cmd.Env {
		if strings.HasPrefix(e, "LD_PRELOAD=") {
			cmd.Env[i] = "LD_PRELOAD=" + shimCopy
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("privdrop: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("stderr (the shim's errors go there): %s", errb.String())
	}
	r := finish(t, dir, out.String(), errb.String(), nil)
	if r.fact(t, "euid") != 65534 || r.fact(t, "child_euid") != 65534 {
		t.Fatalf("the program did not run as nobody: %s", r.stdout)
	}
	procs := r.trace.ProcessesOf("privdrop")
	// The parent, its fork child, the fork child that execs (its inherited
	// sockets: forked_socket) and the program it execs.
	if len(procs) != 4 {
		t.Fatalf("want 4 process directories, got %s", r.procNames())
	}
	parent := procs[0]
	client := sock(t, parent, 1)
	if n := len(client.OfType("send")); n != 2 {
		t.Errorf("client socket: %d send events, want 2 (as root, then as nobody); events %v", n, client.Types())
	}
	event(t, client, "close", 0)
	udp := sock(t, parent, 3)
	expectCall(t, r, udp, "sendto", 0, "")
	event(t, udp, "close", 0)
	for _, p := range []*tracefile.Process{procs[1], procs[3]} {
		// The fork child's first sockets are its parent's (forked_socket):
		// its own UDP socket is its last.
		if len(p.Sockets) == 0 {
			t.Fatalf("%s: no socket traced", p.Name)
		}
		s := p.Sockets[len(p.Sockets)-1]
		event(t, s, "sendto", 0)
		event(t, s, "close", 0)
	}
	for _, d := range []string{dir, procs[0].Dir, procs[1].Dir, procs[3].Dir} {
		st, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o002 != 0 {
			t.Errorf("%s: mode %v, writable by everyone", d, st.Mode())
		}
	}
}

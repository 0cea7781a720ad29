package shim_test

import "testing"

// A socket closed by fclose gets its close, and the file opened next on its
// number is not recorded in its trace.
func TestFcloseThenOpen(t *testing.T) {
	prog := build(t, "fdfresh")
	r := run(t, prog, nil, "fclose")
	if r.fact(t, "same_fd") != 1 {
		t.Fatalf("open did not reuse the socket's number: the test proves nothing")
	}
	// errno: untouched by successful calls, kept on failure.
	for _, c := range []call{r.callN(t, "fclose", 0), r.callN(t, "open", 0), r.callN(t, "pipe", 0)} {
		if c.ret < 0 || c.errno != "" {
			t.Errorf("%v: want success with errno untouched", c)
		}
	}
	if c := r.callN(t, "open", 1); c.ret != -1 || c.errno != "ENOENT" {
		t.Errorf("open of a missing file: %v, want -1 ENOENT", c)
	}
	p := r.proc(t)
	if len(p.Sockets) != 1 {
		t.Errorf("want 1 socket trace, got %d", len(p.Sockets))
	}
	s := sock(t, p, 0)
	if n := len(s.OfType("close")); n != 1 {
		t.Errorf("socket: %d close events, want 1 (the fclose); events %v", n, s.Types())
	}
	if n := len(s.OfType("write")); n != 0 {
		t.Errorf("socket: %d write events: the /dev/null file's write was recorded on the dead socket; events %v", n, s.Types())
	}
	if ty := s.Types(); len(ty) == 0 || ty[len(ty)-1] != "close" {
		t.Errorf("socket: last event is not its close: %v", ty)
	}
}

// A socket received over SCM_RIGHTS on a number whose cached "not a socket"
// was left by a close inside libc is traced (as a ghost socket).
func TestSocketReceivedOnStaleNumber(t *testing.T) {
	prog := build(t, "fdfresh")
	for _, mode := range []string{"scm", "scmm"} {
		t.Run(mode, func(t *testing.T) {
			r := run(t, prog, nil, mode)
			if r.fact(t, "same_fd") != 1 {
				t.Fatalf("the socket did not arrive on the directory's number: the test proves nothing")
			}
			p := r.proc(t)
			s := sock(t, p, 1)
			event(t, s, "ghost_socket", 0)
			ev := expectCall(t, r, s, "sendto", 0, "")
			detailInt(t, ev, 5, "bytes")
			if n := len(s.OfType("close")); n != 1 {
				t.Errorf("received socket: %d close events, want 1; events %v", n, s.Types())
			}
		})
	}
}

// Sockets closed by a raw system call: the pipe and the accepted unix
// socket that get their numbers are not recorded as them.
func TestNumbersOfRawClosedSockets(t *testing.T) {
	prog := build(t, "fdfresh")
	r := run(t, prog, nil, "raw")
	if r.fact(t, "pipe_same_fd") != 1 || r.fact(t, "accept_same_fd") != 1 {
		t.Fatalf("pipe or accept did not reuse the closed socket's number: the test proves nothing\n%s", r.stdout)
	}
	p := r.proc(t)
	for i := 0; i < 2; i++ {
		s := sock(t, p, i)
		if ty := s.Types(); len(ty) != 1 || ty[0] != "socket" {
			t.Errorf("socket %d: events %v, want only its socket (its close was not seen; the calls after it are another fd's)", i, ty)
		}
	}
	if len(p.Sockets) != 2 {
		t.Errorf("%d socket traces, want 2", len(p.Sockets))
	}
}

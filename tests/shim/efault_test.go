package shim_test

import "testing"

// Unreadable pointers: the calls fail with EFAULT and are recorded so; the
// shim reads none of those pointers (it crashed the program before).
func TestEFAULTArgumentsAreNotRead(t *testing.T) {
	prog := build(t, "efault")
	r := run(t, prog, nil)
	p := r.proc(t)
	a, c := sock(t, p, 0), sock(t, p, 2)
	expectCall(t, r, a, "writev", 0, "EFAULT")
	expectCall(t, r, a, "sendto", 0, "EFAULT")
	expectCall(t, r, c, "connect", 0, "EFAULT")
	expectCall(t, r, a, "getsockopt", 0, "EFAULT")
	expectCall(t, r, a, "epoll_ctl", 0, "EFAULT")
}

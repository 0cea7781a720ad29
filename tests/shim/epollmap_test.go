package shim_test

import (
	"regexp"
	"strconv"
	"testing"
)

// epollMapHigh is the largest size of the shim's epoll map its debug log
// reports (it logs each new power-of-two high), or -1 when it logged none.
func epollMapHigh(t *testing.T, logs string) int {
	t.Helper()
	high := -1
	for _, m := range regexp.MustCompile(`epoll map: (\d+) registrations`).FindAllStringSubmatch(logs, -1) {
		n, _ := strconv.Atoi(m[1])
		if n > high {
			high = n
		}
	}
	return high
}

// Sockets closed without EPOLL_CTL_DEL leave the map (it stays small), and
// a dead registration's data never credits another fd with an event.
func TestEpollMapClose(t *testing.T) {
	prog := build(t, "epollmap")
	r := run(t, prog, opts{"F": "4"}, "close")
	p := r.proc(t)
	if high := epollMapHigh(t, p.Logs); high < 1 || high > 4 {
		t.Errorf("epoll map grew to %d registrations (want 1..4: one live socket at a time); logs:\n%s", high, p.Logs)
	}
	reused := sock(t, p, int(r.fact(t, "reused_sock")))
	if n := len(reused.OfType("epoll_wait")); n != 0 {
		t.Errorf("socket on the number of a closed registered socket got %d epoll_wait events (the pipe's), want 0", n)
	}
	live := sock(t, p, int(r.fact(t, "live_sock")))
	ev := event(t, live, "epoll_wait", 0)
	detailBool(t, ev, true, epollKey(ev, "returned_events"), "EPOLLIN")
	if r.fact(t, "same_epfd") != 1 {
		t.Fatalf("the new epoll instance did not get the closed one's number; the last check proves nothing")
	}
	if n := len(live.OfType("epoll_wait")); n != 1 {
		t.Errorf("socket registered in a closed epoll instance got %d epoll_wait events, want 1 (its own)", n)
	}
}

// 200 000 EPOLL_CTL_MOD on 10 live sockets: each one entry in the map, each
// MOD recorded, each wake-up on its own socket.
func TestEpollMapMod(t *testing.T) {
	prog := build(t, "epollmap")
	r := run(t, prog, opts{"F": "4"}, "mod")
	p := r.proc(t)
	if high := epollMapHigh(t, p.Logs); high != 8 {
		t.Errorf("epoll map's largest logged size %d, want 8 (10 live sockets: the logged powers of two stop at 8); logs:\n%s", high, p.Logs)
	}
	waited := int64(0)
	for _, n := range r.facts["waited"] {
		waited += n
	}
	if waited != 10 {
		t.Fatalf("program saw %d wake-ups, want 10", waited)
	}
	for i := 0; i < 10; i++ {
		s := sock(t, p, i)
		if n := len(s.OfType("epoll_ctl")); n != 200000/10+1 {
			t.Errorf("socket %d: %d epoll_ctl events, want %d (ADD and its MODs)", i, n, 200000/10+1)
		}
		if n := len(s.OfType("epoll_wait")); n != 1 {
			t.Errorf("socket %d: %d epoll_wait events, want 1", i, n)
		}
	}
}

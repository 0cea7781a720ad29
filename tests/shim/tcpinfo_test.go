package shim_test

// -b / -u: tcp_info cadence.

import (
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

func tcpInfos(s *tracefile.Socket) []tracefile.Event { return s.OfType("tcp_info") }

func checkTcpInfoEvent(t *testing.T, ev tracefile.Event) {
	t.Helper()
	if !ev.FakeCall {
		t.Errorf("tcp_info: fake_call false")
	}
	for _, k := range []string{"state", "rto", "snd_mss", "rtt", "snd_cwnd", "total_retrans"} {
		if _, ok := ev.DetailInt(k); !ok {
			t.Errorf("tcp_info: details.%s missing", k)
		}
	}
}

func TestTcpInfoEveryBytes(t *testing.T) {
	prog := build(t, "bulk")
	// 20 sends of 300 bytes with -b 1000: no send lands exactly on a
	// multiple of 1000 since the last sample, so "every 1000 bytes" gives
	// between total/(b+chunk) and total/b samples on each side, plus the
	// one taken at close.
	const chunk, count, b = 300, 20, 1000
	r := run(t, prog, opts{"B": "1000"}, "300", "20")
	p := r.proc(t)
	total := int64(chunk * count)
	lo, hi := total/(b+chunk)+1, total/b+1
	for _, idx := range []int{1, 2} {
		s := sock(t, p, idx)
		infos := tcpInfos(s)
		if n := int64(len(infos)); n < lo || n > hi {
			t.Errorf("socket %d: %d tcp_info events for %d bytes with -b %d, want %d..%d (%v)", idx, n, total, b, lo, hi, s.Types())
		}
		for _, ev := range infos {
			checkTcpInfoEvent(t, ev)
		}
		// The last sample is taken at close.
		evs := s.Events
		if len(evs) < 2 || evs[len(evs)-1].Type != "close" || evs[len(evs)-2].Type != "tcp_info" {
			t.Errorf("socket %d: want tcp_info right before close, got %v", idx, s.Types())
		}
	}
	// The listener moved no bytes: at most its close sample.
	if n := len(tcpInfos(sock(t, p, 0))); n > 1 {
		t.Errorf("listener: %d tcp_info events, want at most 1", n)
	}
	// Without -b/-u: none at all.
	r = run(t, prog, nil, "300", "20")
	for _, s := range r.proc(t).Sockets {
		if n := len(tcpInfos(s)); n != 0 {
			t.Errorf("socket %d: %d tcp_info events without -b/-u", s.Index, n)
		}
	}
}

func TestTcpInfoEveryMicroseconds(t *testing.T) {
	prog := build(t, "bulk")
	// 2 ms pause between rounds with -u 1000: every send finds the last
	// sample older than 1 ms, so each is followed by a sample.
	r := run(t, prog, opts{"U": "1000"}, "100", "10", "2000")
	s := sock(t, r.proc(t), 1)
	if n, sends := len(tcpInfos(s)), len(s.OfType("send")); n < sends {
		t.Errorf("-u 1000 with 2 ms between sends: %d tcp_info for %d sends (%v)", n, sends, s.Types())
	}
	// -u of an hour: at most one sample while running, plus the close one.
	r = run(t, prog, opts{"U": "3600000000"}, "100", "10")
	s = sock(t, r.proc(t), 1)
	if n := len(tcpInfos(s)); n < 1 || n > 2 {
		t.Errorf("-u 3600 s: %d tcp_info events, want 1 or 2 (%v)", n, s.Types())
	}
	// Both options: whichever comes first (bytes here).
	r = run(t, prog, opts{"U": "3600000000", "B": "1000"}, "300", "20")
	s = sock(t, r.proc(t), 1)
	if n := len(tcpInfos(s)); n < 5 {
		t.Errorf("-u 3600 s -b 1000 over 6000 bytes: %d tcp_info events, want >= 5", n)
	}
}

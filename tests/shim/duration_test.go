package shim_test

import "testing"

// TestDuration: duration_nsec against the program's own timing of the same
// calls (an independent clock read around the call, same clock).
func TestDuration(t *testing.T) {
	prog := build(t, "duration")
	r := run(t, prog, nil)
	p := r.proc(t)
	ev := expectCall(t, r, sock(t, p, 1), "poll", 0, "")
	if !ev.HasDuration {
		t.Fatalf("poll: no duration_nsec")
	}
	outer := r.fact(t, "poll_outer_ns")
	if ev.DurationNsec < 300_000_000 || ev.DurationNsec > outer {
		t.Errorf("poll: duration_nsec %d, want between its 300 ms timeout and the program's own %d ns", ev.DurationNsec, outer)
	}
	ev = expectCall(t, r, sock(t, p, 0), "send", 0, "")
	outer = r.fact(t, "send_outer_ns")
	if !ev.HasDuration || ev.DurationNsec <= 0 || ev.DurationNsec > outer {
		t.Errorf("send: duration_nsec %d (present %v), want > 0 and at most the program's own %d ns", ev.DurationNsec, ev.HasDuration, outer)
	}
	// The socket event's duration fits between the previous event's end
	// and its own: nothing recorded in this thread overlaps.
	for _, s := range p.Sockets {
		for i := 1; i < len(s.Events); i++ {
			prev, cur := s.Events[i-1], s.Events[i]
			if cur.DurationNsec >= (cur.TimestampUsec-prev.TimestampUsec+1)*1000 {
				t.Errorf("socket %d: %s lasted %d ns but began before %s (ended at %d µs, this ends at %d µs)",
					s.Index, cur.Type, cur.DurationNsec, prev.Type, prev.TimestampUsec, cur.TimestampUsec)
			}
		}
	}
}

package report

import (
	"sort"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/pcapstats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// procAcc accumulates one process directory.
type procAcc struct {
	p        *Process
	socks    []*sockAcc
	threads  map[int64]*threadAcc
	waitSeen map[uint64]struct{}
	pcaps    map[int]*pcapstats.Stats
	dns      map[string]string // ip -> name it was looked up as
}

type threadAcc struct {
	calls       int
	first, last int64 // ns: start of the first call, end of the last
	in          int64 // ns inside calls
	durs        int   // calls that carried a duration
}

// thread counts a call for its thread. A poll/select/epoll wait on several
// sockets is one call that appears in each socket's file (same thread,
// type and time): it is counted once.
func (pa *procAcc) thread(ev *tracefile.Raw) {
	if ev.FakeCall {
		return
	}
	if waitCalls[ev.Type] {
		k := uint64(ev.ThreadID)*0x9E3779B97F4A7C15 ^ uint64(ev.TimestampUsec)*0xC2B2AE3D27D4EB4F ^ uint64(len(ev.Type))
		if _, dup := pa.waitSeen[k]; dup {
			return
		}
		pa.waitSeen[k] = struct{}{}
	}
	t := pa.threads[ev.ThreadID]
	if t == nil {
		t = &threadAcc{}
		pa.threads[ev.ThreadID] = t
	}
	start, end := startNsec(ev), ev.TimestampUsec*1000
	if t.calls == 0 || start < t.first {
		t.first = start
	}
	t.last = max(t.last, end)
	t.calls++
	if ev.DurationNsec >= 0 {
		t.in += ev.DurationNsec
		t.durs++
	}
}

func (pa *procAcc) threadList() []Thread {
	out := make([]Thread, 0, len(pa.threads))
	for tid, t := range pa.threads {
		th := Thread{TID: tid, Calls: t.calls, SpanUsec: (t.last - t.first) / 1000}
		if t.durs == t.calls {
			in := t.in
			th.InCallsNsec = &in
			if span := t.last - t.first; span > 0 {
				sh := float64(in) / float64(span)
				th.Share = &sh
			}
		}
		out = append(out, th)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TID < out[j].TID })
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package stats

import "github.com/tcpsnitch/tcpsnitch/internal/tracefile"

// FromRaw adapts an event of the streaming reader (tracefile.Scan, the
// report's Sink). The event is only valid during the call, so the
// accumulator reads what it needs at once and keeps nothing of it.
func FromRaw(e *tracefile.Raw) Event {
	return Event{Type: e.Type, TimestampUsec: e.TimestampUsec, ReturnValue: e.ReturnValue,
		Success: e.Success, Errno: e.Errno, ThreadID: e.ThreadID, FakeCall: e.FakeCall,
		D: rawDetails{e}}
}

type rawDetails struct{ r *tracefile.Raw }

func (d rawDetails) DetailInt(p ...string) (int64, bool)     { return d.r.DetailInt(p...) }
func (d rawDetails) DetailString(p ...string) (string, bool) { return d.r.DetailString(p...) }
func (d rawDetails) DetailBool(p ...string) (bool, bool)     { return d.r.DetailBool(p...) }
func (d rawDetails) Each(fn func(Details), p ...string) int {
	return d.r.DetailArray(func(_ int, el *tracefile.Raw) { fn(rawDetails{el}) }, p...)
}

package stats

import (
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Details is what the statistics read of an event's details object. The
// trace readers (tracefile.Event, the report's streaming reader) provide it
// through small adapters, so statistics never depend on how a trace is read.
type Details interface {
	DetailInt(path ...string) (int64, bool)
	DetailString(path ...string) (string, bool)
	DetailBool(path ...string) (bool, bool)
	// Each visits the elements of an array detail (mmsghdr_vec) and
	// returns how many there were.
	Each(fn func(el Details), path ...string) int
}

// Event is one event as the accumulator sees it.
type Event struct {
	Type          string
	TimestampUsec int64
	ReturnValue   int64
	Success       bool
	Errno         string
	ThreadID      int64
	FakeCall      bool
	D             Details
}

// FromTrace adapts an event read by tracefile.ReadEvents.
func FromTrace(e tracefile.Event) Event {
	return Event{Type: e.Type, TimestampUsec: e.TimestampUsec, ReturnValue: e.ReturnValue,
		Success: e.Success, Errno: e.Errno, ThreadID: e.ThreadID, FakeCall: e.FakeCall,
		D: mapDetails{e}}
}

// mapDetails reads the generic map tracefile.Event keeps.
type mapDetails struct{ e tracefile.Event }

func (m mapDetails) DetailInt(p ...string) (int64, bool)     { return m.e.DetailInt(p...) }
func (m mapDetails) DetailString(p ...string) (string, bool) { return m.e.DetailString(p...) }
func (m mapDetails) DetailBool(p ...string) (bool, bool)     { return m.e.DetailBool(p...) }
func (m mapDetails) Each(fn func(Details), p ...string) int {
	v, ok := m.e.Detail(p...)
	arr, isArr := v.([]any)
	if !ok || !isArr {
		return 0
	}
	for _, x := range arr {
		obj, _ := x.(map[string]any)
		if obj == nil {
			obj = map[string]any{}
		}
		fn(mapDetails{tracefile.Event{Details: obj}})
	}
	return len(arr)
}

// AddTrace feeds every socket of a trace read with tracefile.Open.
func (a *Accumulator) AddTrace(t *tracefile.Trace) {
	for _, p := range t.Processes {
		for _, s := range p.Sockets {
			for _, e := range s.Events {
				a.Event(p.Name, s.Index, FromTrace(e))
			}
		}
	}
	a.Flush()
}

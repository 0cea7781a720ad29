package tracefile

import (
	"encoding/json"
	"strconv"
)

// Detail walks the details object along path ("addr", "port") and returns the
// value found there.
func (e Event) Detail(path ...string) (any, bool) {
	var cur any = e.Details
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[k]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// DetailInt returns an integer detail. Integers written as strings (the
// original writes ports and some protocol numbers that way) are accepted.
func (e Event) DetailInt(path ...string) (int64, bool) {
	v, ok := e.Detail(path...)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// DetailString returns a string detail.
func (e Event) DetailString(path ...string) (string, bool) {
	v, ok := e.Detail(path...)
	s, isStr := v.(string)
	return s, ok && isStr
}

// DetailBool returns a boolean detail.
func (e Event) DetailBool(path ...string) (bool, bool) {
	v, ok := e.Detail(path...)
	b, isBool := v.(bool)
	return b, ok && isBool
}

// OfType returns the events of a socket with the given type, in order.
func (s *Socket) OfType(typ string) []Event {
	var out []Event
	for _, e := range s.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// Types lists the event types of a socket in order (handy in test messages).
func (s *Socket) Types() []string {
	out := make([]string, len(s.Events))
	for i, e := range s.Events {
		out[i] = e.Type
	}
	return out
}

package tracefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// RawEvent is an event whose details are kept as the JSON text they were
// written as. Readers that store or forward events (the collection server's
// import) use it: it checks the same rules as ParseEvent at a fraction of the
// cost, since the details are validated but never turned into maps.
type RawEvent struct {
	Type          string
	TimestampUsec int64
	ReturnValue   int64
	Success       bool
	Errno         string // "" when the call succeeded
	ThreadID      int64
	FakeCall      bool
	Details       []byte // a JSON object; "{}" when the line had none; aliases the input line
}

var emptyDetails = []byte("{}")

// ParseRawEvent parses one event line with the rules of ParseEvent: the
// common fields present and typed, errno exactly when the call failed,
// details an object (or absent).
func ParseRawEvent(b []byte) (RawEvent, error) {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v) // for the position and cause
		return RawEvent{}, fmt.Errorf("not a JSON object: %w", err)
	}
	return parseRaw(b)
}

// ParseRawEventChecked is ParseRawEvent without the JSON syntax check, for
// lines that ParseRawEvent has accepted before (the server checks an archive
// when it is uploaded and imports it later, from its own store). On a line
// that is not JSON it returns an error or a meaningless event, never panics.
func ParseRawEventChecked(b []byte) (RawEvent, error) { return parseRaw(b) }

func parseRaw(b []byte) (RawEvent, error) {
	s := rawScanner{b: b}
	s.ws()
	if !s.eat('{') {
		return RawEvent{}, errors.New("not a JSON object: the line is not an object")
	}
	var ev RawEvent
	var seen uint8
	const (
		hasType = 1 << iota
		hasTS
		hasRV
		hasSuccess
		hasThread
		hasFake
	)
	ev.Details = emptyDetails
	for {
		s.ws()
		if s.eat('}') {
			break
		}
		if s.i >= len(s.b) {
			return RawEvent{}, errors.New("not a JSON object: the line ends inside the object")
		}
		before := s.i
		s.eat(',')
		s.ws()
		key := s.str()
		s.ws()
		s.eat(':')
		s.ws()
		start := s.i
		s.skip()
		val := b[start:s.i]
		if s.i == before {
			return RawEvent{}, errors.New("not a JSON object: unexpected character")
		}
		var ok bool
		switch key {
		case "type":
			ev.Type, ok = rawString(val)
			ok = ok && ev.Type != ""
			if !ok {
				return RawEvent{}, fmt.Errorf("key %q: want a non-empty string, got %s", key, val)
			}
			seen |= hasType
		case "timestamp_usec":
			if ev.TimestampUsec, ok = rawInt(val); !ok {
				return RawEvent{}, fmt.Errorf("key %q: want an integer, got %s", key, val)
			}
			seen |= hasTS
		case "return_value":
			if ev.ReturnValue, ok = rawInt(val); !ok {
				return RawEvent{}, fmt.Errorf("key %q: want an integer, got %s", key, val)
			}
			seen |= hasRV
		case "success":
			if ev.Success, ok = rawBool(val); !ok {
				return RawEvent{}, fmt.Errorf("key %q: want a bool, got %s", key, val)
			}
			seen |= hasSuccess
		case "thread_id":
			if ev.ThreadID, ok = rawInt(val); !ok {
				return RawEvent{}, fmt.Errorf("key %q: want an integer, got %s", key, val)
			}
			seen |= hasThread
		case "fake_call":
			if ev.FakeCall, ok = rawBool(val); !ok {
				return RawEvent{}, fmt.Errorf("key %q: want a bool, got %s", key, val)
			}
			seen |= hasFake
		case "errno":
			if ev.Errno, ok = rawString(val); !ok {
				return RawEvent{}, fmt.Errorf("key \"errno\": want a string, got %s", val)
			}
		case "details":
			switch {
			case bytes.Equal(val, []byte("null")):
				ev.Details = emptyDetails
			case len(val) > 0 && val[0] == '{':
				ev.Details = val
			default:
				return RawEvent{}, fmt.Errorf("key \"details\": want an object, got %s", val)
			}
		}
	}
	s.ws()
	for _, k := range []struct {
		bit  uint8
		name string
	}{{hasType, "type"}, {hasTS, "timestamp_usec"}, {hasRV, "return_value"}, {hasSuccess, "success"}, {hasThread, "thread_id"}, {hasFake, "fake_call"}} {
		if seen&k.bit == 0 {
			return RawEvent{}, fmt.Errorf("missing key %q", k.name)
		}
	}
	if !ev.Success && ev.Errno == "" {
		return RawEvent{}, fmt.Errorf("failed %s event without errno", ev.Type)
	}
	if ev.Success && ev.Errno != "" {
		return RawEvent{}, fmt.Errorf("successful %s event with errno %q", ev.Type, ev.Errno)
	}
	return ev, nil
}

// rawScanner walks JSON text that json.Valid has accepted, so it only needs
// to find where values end, not to report syntax errors.
type rawScanner struct {
	b []byte
	i int
}

func (s *rawScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *rawScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string token and returns its decoded value.
func (s *rawScanner) str() string {
	start := s.i
	s.skip()
	v, _ := rawString(s.b[start:s.i])
	return v
}

// skip moves past one value of any kind (never past the end of the line).
func (s *rawScanner) skip() {
	defer func() { s.i = min(s.i, len(s.b)) }()
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '"':
		s.i++
		for s.i < len(s.b) {
			c := s.b[s.i]
			s.i++
			if c == '\\' {
				s.i++
			} else if c == '"' {
				return
			}
		}
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			c := s.b[s.i]
			switch c {
			case '"':
				s.skip()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return
				}
			}
			s.i++
		}
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}

func rawString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var out string
	err := json.Unmarshal(v, &out)
	return out, err == nil
}

func rawInt(v []byte) (int64, bool) {
	i, err := strconv.ParseInt(string(v), 10, 64)
	return i, err == nil
}

func rawBool(v []byte) (bool, bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

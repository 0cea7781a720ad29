package tracefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// parseLine reads one event line: the common keys are read in place, the
// details object is only delimited (parsed later, if someone asks for a
// detail). Most events of a big trace are sends and receives whose
// details nobody reads; not parsing them halves the time a report takes.
// The line must be one complete JSON object; inside the details only the
// structure (strings, brackets) is checked until they are parsed.
func parseLine(b []byte, ev *Raw, nm *names) error {
	*ev = Raw{DurationNsec: -1}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errors.New("not JSON: not an object")
	}
	i++
	var have int
	first := true
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return errors.New("not JSON: the object is not closed")
		}
		if b[i] == '}' && first {
			i++
			break
		}
		if b[i] != '"' {
			return fmt.Errorf("not JSON: want a key at offset %d", i)
		}
		key, next, err := readString(b, i)
		if err != nil {
			return err
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("not JSON: want ':' after key %q", key)
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return errors.New("not JSON: the object is not closed")
		}
		end := -1
		if string(key) == "details" && b[i] == '{' {
			end = detailsEnd(b, i)
		}
		if end < 0 {
			if end, err = skipValue(b, i); err != nil {
				return err
			}
		}
		v := b[i:end]
		switch string(key) {
		case "type":
			s, err := stringValue(v)
			if err != nil || len(s) == 0 {
				return errors.New(`key "type": want a non-empty string`)
			}
			ev.Type = nm.typ(s)
			have |= 1
		case "timestamp_usec":
			if ev.TimestampUsec, err = intValue(v); err != nil {
				return errors.New(`key "timestamp_usec": want an integer`)
			}
			have |= 2
		case "return_value":
			if ev.ReturnValue, err = intValue(v); err != nil {
				return errors.New(`key "return_value": want an integer`)
			}
			have |= 4
		case "success":
			if ev.Success, err = boolValue(v); err != nil {
				return errors.New(`key "success": want a bool`)
			}
			have |= 8
		case "thread_id":
			if ev.ThreadID, err = intValue(v); err != nil {
				return errors.New(`key "thread_id": want an integer`)
			}
			have |= 16
		case "fake_call":
			if ev.FakeCall, err = boolValue(v); err != nil {
				return errors.New(`key "fake_call": want a bool`)
			}
			have |= 32
		case "errno":
			s, err := stringValue(v)
			if err != nil {
				return errors.New(`key "errno": want a string`)
			}
			ev.Errno = nm.errno(s)
		case "duration_nsec":
			if ev.DurationNsec, err = intValue(v); err != nil || ev.DurationNsec < 0 {
				return errors.New(`key "duration_nsec": want a non-negative integer`)
			}
		case "details":
			switch v[0] {
			case '{':
				ev.detailsRaw = v
			case 'n':
			default:
				return errors.New(`key "details": want an object`)
			}
		}
		first = false
		i = skipWS(b, end)
		if i >= len(b) {
			return errors.New("not JSON: the object is not closed")
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] == '}' {
			i++
			break
		}
		return fmt.Errorf("not JSON: want ',' or '}' at offset %d", i)
	}
	if skipWS(b, i) != len(b) {
		return errors.New("more than one JSON value on the line")
	}
	if have != 63 {
		for n, k := range []string{"type", "timestamp_usec", "return_value", "success", "thread_id", "fake_call"} {
			if have&(1<<n) == 0 {
				return fmt.Errorf("missing key %q", k)
			}
		}
	}
	if !ev.Success && ev.Errno == "" {
		return errNoErrno
	}
	return nil
}

// detailsEnd is the fast way past a details object that ends the line (as
// every shim writes it): the object runs to the line's last '}' but one,
// and its brackets balance (counted with the vectorised bytes.Count). It
// returns -1 when that does not hold (a brace inside a string, details not
// last), and the caller walks the value instead.
func detailsEnd(b []byte, i int) int {
	last := len(b) - 1
	for last > i && (b[last] == ' ' || b[last] == '\t' || b[last] == '\r' || b[last] == '\n') {
		last--
	}
	if b[last] != '}' {
		return -1
	}
	end := last
	for end > i && (b[end-1] == ' ' || b[end-1] == '\t') {
		end--
	}
	span := b[i:end]
	if len(span) < 2 || span[len(span)-1] != '}' ||
		bytes.Count(span, []byte{'{'}) != bytes.Count(span, []byte{'}'}) ||
		bytes.Count(span, []byte{'['}) != bytes.Count(span, []byte{']'}) {
		return -1
	}
	return end
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// readString returns the raw bytes of the string starting at b[i] == '"'
// (escapes left as they are) and the offset after its closing quote.
func readString(b []byte, i int) ([]byte, int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return nil, 0, errors.New("not JSON: unterminated string")
		}
		j += k
		// escaped when an odd number of backslashes precede it
		n := 0
		for m := j - 1; m > i && b[m] == '\\'; m-- {
			n++
		}
		if n%2 == 0 {
			return b[i+1 : j], j + 1, nil
		}
		j++
	}
}

// skipValue returns the offset after the JSON value starting at b[i]:
// strings and literals exactly, numbers by their characters, objects and
// arrays by their brackets (strings inside them honoured).
func skipValue(b []byte, i int) (int, error) {
	switch c := b[i]; {
	case c == '"':
		_, end, err := readString(b, i)
		return end, err
	case c == '{' || c == '[':
		var stack []byte
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, end, err := readString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				stack = append(stack, b[j])
			case '}', ']':
				open := byte('{')
				if b[j] == ']' {
					open = '['
				}
				if len(stack) == 0 || stack[len(stack)-1] != open {
					return 0, errors.New("not JSON: mismatched brackets")
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("not JSON: unclosed object or array")
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
			j++
		}
		return j, nil
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit), nil
			}
		}
	}
	return 0, fmt.Errorf("not JSON: unexpected %q at offset %d", b[i], i)
}

var errNotInt = errors.New("not an integer")

// intValue parses a JSON integer (floats and exponents refused) without
// allocating.
func intValue(v []byte) (int64, error) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 19 {
		return 0, errNotInt
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errNotInt
		}
		n = n*10 + int64(c-'0')
		if n < 0 {
			return 0, errNotInt // overflow
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

func boolValue(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("not a bool")
}

// stringValue returns a JSON string's contents, unescaped (in place when
// it has no escape, the common case).
func stringValue(v []byte) ([]byte, error) {
	if len(v) < 2 || v[0] != '"' {
		return nil, errors.New("not a string")
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			err := json.Unmarshal(v, &s)
			return []byte(s), err
		}
	}
	return inner, nil
}

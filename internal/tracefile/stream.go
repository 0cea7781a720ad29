package tracefile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/valyala/fastjson"
)

// Raw is one event read by Scan: the common fields typed, the details left
// as a parsed JSON value. It is only valid during the callback that got it
// (the parser reuses its memory), which is what lets a million events be
// read without keeping them.
type Raw struct {
	Type          string
	TimestampUsec int64
	ReturnValue   int64
	Success       bool
	Errno         string
	ThreadID      int64
	FakeCall      bool
	// DurationNsec is the call's duration (key duration_nsec, added by
	// this tool's later shims); -1 when the event does not carry it.
	DurationNsec int64
	Line         int
	detailsRaw   []byte          // the details object's text, nil when none
	details      *fastjson.Value // parsed on first use
	parsed       bool
	parser       *fastjson.Parser // the scanner's, reused for every event
}

// Problem is a damaged spot of a trace: the file, the line (0 for the
// whole file) and what is wrong.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Scan reads an N.json (or dns.json) stream line by line and calls fn for
// each event that parses. A line that does not (a non-JSON line, a
// truncated last line, a missing common key) goes to bad with its line
// number and the scan goes on. It stops early when fn returns an error.
func Scan(r io.Reader, file string, fn func(*Raw) error, bad func(Problem)) error {
	sc := scanners.Get().(*scanner)
	defer scanners.Put(sc)
	var ev Raw
	return sc.lines(r, file, func(line int, b []byte, complete bool) error {
		perr := parseLine(b, &ev, &sc.names)
		ev.parser = &sc.p
		if perr != nil {
			bad(lineProblem(file, line, perr, complete))
			return nil
		}
		ev.Line = line
		return fn(&ev)
	})
}

func lineProblem(file string, line int, err error, complete bool) Problem {
	msg := err.Error()
	if !complete {
		msg = "truncated last line (" + msg + ")"
	}
	return Problem{File: file, Line: line, Msg: msg}
}

// lines calls fn with each non-blank line of r (trimmed; only valid during
// the call), its 1-based number, and whether it ended with a newline.
func (sc *scanner) lines(r io.Reader, file string, fn func(line int, b []byte, complete bool) error) error {
	br := sc.br
	br.Reset(r)
	defer br.Reset(nil)
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it whole.
			long := append([]byte(nil), b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if len(b) > 0 {
			line++
			complete := b[len(b)-1] == '\n'
			if b = bytes.TrimSpace(b); len(b) > 0 {
				if ferr := fn(line, b, complete); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
}

// scanner is the reusable state of Scan: a trace can have tens of
// thousands of small files, and a 256 kB buffer made for each was most of
// the time spent reading them.
type scanner struct {
	br    *bufio.Reader
	p     fastjson.Parser
	names names
}

var scanners = sync.Pool{New: func() any {
	return &scanner{br: bufio.NewReaderSize(nil, 256*1024), names: names{map[string]string{}, map[string]string{}}}
}}

var errNoErrno = errors.New("failed call without errno")

// Interned strings: a trace uses a few dozen types and errnos, so each is
// allocated once instead of once per event. Each scanner keeps its own
// copy of the names it met (no lock per event), filled from the shared
// one.
var (
	internMu    sync.Mutex
	sharedNames = names{map[string]string{}, map[string]string{}}
)

type names struct{ types, errnos map[string]string }

func (n *names) typ(b []byte) string   { return n.intern(n.types, sharedNames.types, b) }
func (n *names) errno(b []byte) string { return n.intern(n.errnos, sharedNames.errnos, b) }

func (n *names) intern(local, shared map[string]string, b []byte) string {
	if s, ok := local[string(b)]; ok {
		return s
	}
	internMu.Lock()
	s, ok := shared[string(b)]
	if !ok {
		s = string(b)
		shared[s] = s
	}
	internMu.Unlock()
	local[s] = s
	return s
}

// DetailInt returns an integer detail along path; integers written as
// strings (the original's ports) are accepted.
func (e *Raw) DetailInt(path ...string) (int64, bool) {
	v := e.detail(path)
	if v == nil {
		return 0, false
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		i, err := v.Int64()
		return i, err == nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		var n int64
		if len(b) == 0 {
			return 0, false
		}
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, true
	}
	return 0, false
}

// DetailString returns a string detail along path.
func (e *Raw) DetailString(path ...string) (string, bool) {
	v := e.detail(path)
	if v == nil || v.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := v.StringBytes()
	return string(b), true
}

// DetailBool returns a boolean detail along path.
func (e *Raw) DetailBool(path ...string) (bool, bool) {
	v := e.detail(path)
	if v == nil {
		return false, false
	}
	b, err := v.Bool()
	return b, err == nil
}

// DetailArray visits the elements of an array detail (mmsghdr_vec, the
// addresses of a dns.json lookup) and returns how many there were.
func (e *Raw) DetailArray(fn func(i int, el *Raw), path ...string) int {
	v := e.detail(path)
	if v == nil || v.Type() != fastjson.TypeArray {
		return 0
	}
	arr, _ := v.Array()
	for i, x := range arr {
		fn(i, &Raw{details: x, parsed: true})
	}
	return len(arr)
}

// DetailJSON returns the details object as compact JSON ("{}" when none).
func (e *Raw) DetailJSON() []byte {
	if v := e.detailsValue(); v != nil && v.Type() == fastjson.TypeObject {
		return v.MarshalTo(nil)
	}
	return []byte("{}")
}

// detailsValue parses the details on first use. Details that are not
// valid JSON read as empty.
func (e *Raw) detailsValue() *fastjson.Value {
	if !e.parsed {
		e.parsed = true
		if e.detailsRaw != nil && e.parser != nil {
			if v, err := e.parser.ParseBytes(e.detailsRaw); err == nil {
				e.details = v
			}
		}
	}
	return e.details
}

func (e *Raw) detail(path []string) *fastjson.Value {
	v := e.detailsValue()
	if v == nil {
		return nil
	}
	return v.Get(path...)
}

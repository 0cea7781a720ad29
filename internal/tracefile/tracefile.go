// Package tracefile reads a tcpsnitch trace directory: one directory per
// traced process (<app>_NNN), holding one N.json event list per internet
// socket, optional N.pcap captures, dns.json (the names it resolved) and
// logs.txt. docs/trace-format.md describes the format.
package tracefile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/spool"
)

// Trace is a whole trace directory.
type Trace struct {
	Dir       string
	Processes []*Process // sorted by app name, then sequence number
}

// Process is one <app>_NNN directory.
type Process struct {
	Dir     string
	Name    string    // directory name, e.g. "curl_000"
	App     string    // "curl"
	Seq     int       // 0 for "curl_000"
	Sockets []*Socket // sorted by socket index
	Logs    string    // content of logs.txt, "" when absent
	// DNS holds the name lookups of dns.json in file order (nil when the
	// process resolved no name, or for traces of shims that did not record
	// them).
	DNS []Event
}

// Socket is one N.json file (or its lines in a spool not split yet:
// internal/spool), with its N.pcap when there is one.
type Socket struct {
	Index    int
	Path     string
	PcapPath string // "" when there is no capture
	Events   []Event
}

// Event is one line of an N.json file. The common fields are typed; the
// per-type details stay a generic map (numbers as json.Number) so new keys
// added by later shims are kept.
type Event struct {
	Type          string
	TimestampUsec int64
	// DurationNsec is how long the call took (duration_nsec); HasDuration
	// is false for traces of shims that did not record it (the original's).
	DurationNsec int64
	HasDuration  bool
	ReturnValue  int64
	Success      bool
	Errno        string // "" when the call succeeded
	ThreadID     int64
	FakeCall     bool
	Details      map[string]any
	Line         int // 1-based line in its file, for error messages
}

var (
	processDirRe = regexp.MustCompile(`^(.+)_([0-9]{3,})$`)
	socketFileRe = regexp.MustCompile(`^([0-9]+)\.json$`)
)

// Open reads every process directory of a trace directory. Entries that are
// not process directories (meta/, archives, …) are ignored.
func Open(dir string) (*Trace, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading trace directory: %w", err)
	}
	t := &Trace{Dir: dir}
	for _, e := range entries {
		if !e.IsDir() || !processDirRe.MatchString(e.Name()) {
			continue
		}
		p, err := ReadProcess(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		t.Processes = append(t.Processes, p)
	}
	sort.Slice(t.Processes, func(i, j int) bool {
		a, b := t.Processes[i], t.Processes[j]
		if a.App != b.App {
			return a.App < b.App
		}
		return a.Seq < b.Seq
	})
	return t, nil
}

// ProcessesOf returns the processes whose app name is app, in sequence order.
func (t *Trace) ProcessesOf(app string) []*Process {
	var out []*Process
	for _, p := range t.Processes {
		if p.App == app {
			out = append(out, p)
		}
	}
	return out
}

// ReadProcess reads one <app>_NNN directory.
func ReadProcess(dir string) (*Process, error) {
	name := filepath.Base(dir)
	m := processDirRe.FindStringSubmatch(name)
	if m == nil {
		return nil, fmt.Errorf("%s: not a process directory (want <app>_NNN)", dir)
	}
	seq, _ := strconv.Atoi(m[2])
	p := &Process{Dir: dir, Name: name, App: m[1], Seq: seq}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading process directory: %w", err)
	}
	spooled, note, err := readSpool(dir)
	if err != nil {
		return nil, err
	}
	p.Sockets = spooled
	inSpool := map[int]bool{}
	for _, s := range spooled {
		inSpool[s.Index] = true
	}
	for _, e := range entries {
		sm := socketFileRe.FindStringSubmatch(e.Name())
		if e.IsDir() || sm == nil {
			continue
		}
		idx, err := strconv.Atoi(sm[1])
		if err != nil {
			return nil, fmt.Errorf("%s: bad socket index", e.Name())
		}
		if inSpool[idx] {
			continue // the spool is the whole truth for its sockets
		}
		s, err := readSocket(dir, idx, e.Name())
		if err != nil {
			return nil, err
		}
		p.Sockets = append(p.Sockets, s)
	}
	sort.Slice(p.Sockets, func(i, j int) bool { return p.Sockets[i].Index < p.Sockets[j].Index })
	if f, err := os.Open(filepath.Join(dir, "dns.json")); err == nil {
		p.DNS, err = ReadEvents(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "dns.json"), err)
		}
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading dns.json: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "logs.txt")); err == nil {
		p.Logs = string(b)
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading logs: %w", err)
	}
	// Log lines the shim kept in the spool (the split appends them to
	// logs.txt; a split cut short may have done so already).
	if !strings.HasSuffix(p.Logs, note) {
		p.Logs += note
	}
	return p, nil
}

// Socket returns the socket with index n, or nil.
func (p *Process) Socket(n int) *Socket {
	for _, s := range p.Sockets {
		if s.Index == n {
			return s
		}
	}
	return nil
}

// readSpool reads the sockets of a process directory whose spool was not
// split into N.json files yet (the process or tcpsnitch itself was killed,
// or the shim ran without the CLI). A socket's N.json left by a split cut
// short is ignored: the spool still holds all of it.
func readSpool(dir string) ([]*Socket, string, error) {
	path := filepath.Join(dir, spool.Name)
	x, err := spool.Open(path)
	if os.IsNotExist(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var out []*Socket
	for _, idx := range x.Indices() {
		evs, err := ReadEvents(x.Reader(f, idx))
		if err != nil {
			return nil, "", fmt.Errorf("%s, socket %d: %w", path, idx, err)
		}
		s := &Socket{Index: idx, Path: filepath.Join(dir, strconv.Itoa(idx)+".json"), Events: evs}
		if pcap := filepath.Join(dir, strconv.Itoa(idx)+".pcap"); fileExists(pcap) {
			s.PcapPath = pcap
		}
		out = append(out, s)
	}
	note, err := x.NoteText(f)
	return out, note, err
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readSocket(dir string, idx int, file string) (*Socket, error) {
	path := filepath.Join(dir, file)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	evs, err := ReadEvents(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Socket{Index: idx, Path: path, Events: evs}
	pcap := filepath.Join(dir, strconv.Itoa(idx)+".pcap")
	if _, err := os.Stat(pcap); err == nil {
		s.PcapPath = pcap
	}
	return s, nil
}

// ReadEvents parses an N.json stream: one JSON object per line. Blank lines
// are skipped; anything else that is not a complete event is an error naming
// the line, so a truncated file is never mistaken for a short one.
func ReadEvents(r io.Reader) ([]Event, error) {
	var evs []Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		ev, err := ParseEvent(b)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		ev.Line = line
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return evs, nil
}

// ParseEvent parses one event object and checks the common fields that every
// event must carry.
func ParseEvent(b []byte) (Event, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return Event{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("more than one JSON value on the line")
	}
	var ev Event
	var err error
	get := func(key string, into func(any) bool, want string) {
		if err != nil {
			return
		}
		v, ok := raw[key]
		if !ok {
			err = fmt.Errorf("missing key %q", key)
			return
		}
		if !into(v) {
			err = fmt.Errorf("key %q: want %s, got %v", key, want, v)
		}
	}
	get("type", func(v any) bool { s, ok := v.(string); ev.Type = s; return ok && s != "" }, "a non-empty string")
	get("timestamp_usec", intInto(&ev.TimestampUsec), "an integer")
	get("return_value", intInto(&ev.ReturnValue), "an integer")
	get("success", boolInto(&ev.Success), "a bool")
	get("thread_id", intInto(&ev.ThreadID), "an integer")
	get("fake_call", boolInto(&ev.FakeCall), "a bool")
	if err != nil {
		return Event{}, err
	}
	if v, ok := raw["duration_nsec"]; ok {
		if !intInto(&ev.DurationNsec)(v) || ev.DurationNsec < 0 {
			return Event{}, fmt.Errorf("key \"duration_nsec\": want a non-negative integer, got %v", v)
		}
		ev.HasDuration = true
	}
	if v, ok := raw["errno"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return Event{}, fmt.Errorf("key \"errno\": want a string, got %v", v)
		}
		ev.Errno = s
	}
	if !ev.Success && ev.Errno == "" {
		return Event{}, fmt.Errorf("failed %s event without errno", ev.Type)
	}
	if ev.Success && ev.Errno != "" {
		return Event{}, fmt.Errorf("successful %s event with errno %q", ev.Type, ev.Errno)
	}
	switch d := raw["details"].(type) {
	case nil:
		ev.Details = map[string]any{}
	case map[string]any:
		ev.Details = d
	default:
		return Event{}, fmt.Errorf("key \"details\": want an object, got %v", d)
	}
	return ev, nil
}

func intInto(dst *int64) func(any) bool {
	return func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		i, err := n.Int64()
		*dst = i
		return err == nil
	}
}

func boolInto(dst *bool) func(any) bool {
	return func(v any) bool { b, ok := v.(bool); *dst = b; return ok }
}

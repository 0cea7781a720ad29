package shim_test

// The trace format is pinned to docs/trace-format.md: its tables are parsed
// here, every test program of shim/tests is run under the shim, and every
// line of every N.json and dns.json must match the document: no key it
// does not list, every key it marks "always", each value of its type.

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
	"strings"
	"sync"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/spool"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// field is one row of a table of the document.
type field struct {
	key    string
	types  []string // alternatives: "string", "int", "bool", "{name}", "[T]"
	always bool
	since  string
}

type table struct {
	name   string
	fields map[string]field
}

type formatSpec struct {
	common  *table
	details map[string]*table // event type -> its details table
	objects map[string]*table // object type -> table
}

var headingNames = regexp.MustCompile("`([a-z0-9_]+)`")

// parseFormatDoc reads the tables of docs/trace-format.md (see its
// "Reading the tables").
func parseFormatDoc(t *testing.T, path string) *formatSpec {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec := &formatSpec{details: map[string]*table{}, objects: map[string]*table{}}
	var cur []*table
	for n, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "### "):
			cur = nil
			head := strings.TrimPrefix(line, "### ")
			switch {
			case head == "common keys":
				spec.common = &table{name: "common keys", fields: map[string]field{}}
				cur = []*table{spec.common}
			case strings.HasPrefix(head, "details of "):
				// Each type gets its own table (rows are added to all).
				for _, m := range headingNames.FindAllStringSubmatch(head, -1) {
					tb := &table{name: "details of " + m[1], fields: map[string]field{}}
					if _, dup := spec.details[m[1]]; dup {
						t.Fatalf("%s:%d: event type %s described twice", path, n+1, m[1])
					}
					spec.details[m[1]] = tb
					cur = append(cur, tb)
				}
			case strings.HasPrefix(head, "object "):
				m := headingNames.FindStringSubmatch(head)
				if m == nil {
					t.Fatalf("%s:%d: object heading without a `name`", path, n+1)
				}
				tb := &table{name: "object " + m[1], fields: map[string]field{}}
				spec.objects[m[1]] = tb
				cur = []*table{tb}
			}
		case strings.HasPrefix(line, "| `") && cur != nil:
			cells := strings.Split(line, " | ")
			if len(cells) != 5 {
				t.Fatalf("%s:%d: want 5 cells (key, type, when, since, meaning), got %d: %s", path, n+1, len(cells), line)
			}
			key := strings.Trim(strings.TrimPrefix(cells[0], "| "), "`")
			f := field{key: key, types: strings.Split(cells[1], " or "), always: cells[2] == "always", since: cells[3]}
			if f.since != "0.1" && f.since != "added" {
				t.Errorf("%s:%d: since %q, want 0.1 or added", path, n+1, f.since)
			}
			for _, tb := range cur {
				if _, dup := tb.fields[key]; dup {
					t.Errorf("%s:%d: key %s twice in %s", path, n+1, key, tb.name)
				}
				tb.fields[key] = f
			}
		}
	}
	if spec.common == nil {
		t.Fatalf("%s: no common keys table", path)
	}
	// Every {object} a table names is defined.
	all := append([]*table{spec.common}, values(spec.details)...)
	all = append(all, values(spec.objects)...)
	for _, tb := range all {
		for _, f := range tb.fields {
			for _, ty := range f.types {
				name := strings.Trim(ty, "[]{}")
				if strings.Contains(ty, "{") && name != "details" && spec.objects[name] == nil {
					t.Errorf("%s: %s.%s has type %s, which no table defines", path, tb.name, f.key, ty)
				}
			}
		}
	}
	return spec
}

func values(m map[string]*table) []*table {
	var out []*table
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// shimEventTypes reads the event types the shim can write (shim/event.h).
func shimEventTypes(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "shim", "event.h"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`X\([A-Z0-9_]+, "([a-z0-9_]+)"\)`).FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	if len(out) < 40 {
		t.Fatalf("found only %d event types in shim/event.h", len(out))
	}
	return out
}

// checkValue checks v against a row's type alternatives.
func (s *formatSpec) checkValue(v any, types []string, path string) []string {
	var why []string
	for _, ty := range types {
		errs := s.checkType(v, ty, path)
		if len(errs) == 0 {
			return nil
		}
		why = append(why, errs...)
	}
	return why
}

func (s *formatSpec) checkType(v any, ty, path string) []string {
	bad := func() []string { return []string{fmt.Sprintf("%s: %v is not %s", path, v, ty)} }
	switch {
	case ty == "string":
		if _, ok := v.(string); !ok {
			return bad()
		}
	case ty == "bool":
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case ty == "int":
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		if _, err := n.Int64(); err != nil {
			return bad()
		}
	case strings.HasPrefix(ty, "[") && strings.HasSuffix(ty, "]"):
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		var errs []string
		for i, x := range arr {
			errs = append(errs, s.checkType(x, ty[1:len(ty)-1], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	case strings.HasPrefix(ty, "{") && strings.HasSuffix(ty, "}"):
		obj, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		if ty == "{details}" { // checked against its type's table by checkLine
			return nil
		}
		return s.checkObject(obj, s.objects[ty[1:len(ty)-1]], path)
	default:
		return []string{fmt.Sprintf("%s: the document's type %q is not one of its grammar", path, ty)}
	}
	return nil
}

func (s *formatSpec) checkObject(obj map[string]any, tb *table, path string) []string {
	if tb == nil {
		return []string{fmt.Sprintf("%s: no table for this object", path)}
	}
	var errs []string
	for k, v := range obj {
		f, ok := tb.fields[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s.%s: key not in the document's %s", path, k, tb.name))
			continue
		}
		errs = append(errs, s.checkValue(v, f.types, path+"."+k)...)
	}
	for k, f := range tb.fields {
		if _, ok := obj[k]; !ok && f.always {
			errs = append(errs, fmt.Sprintf("%s.%s: missing (the document's %s has it always)", path, k, tb.name))
		}
	}
	return errs
}

// checkLine checks one event line; the details table is the one of its type.
func (s *formatSpec) checkLine(line []byte, allowed map[string]bool) (typ string, errs []string) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return "", []string{"not a JSON object: " + err.Error()}
	}
	typ, _ = ev["type"].(string)
	if !allowed[typ] {
		return typ, []string{fmt.Sprintf("event type %q does not belong in this file", typ)}
	}
	details, _ := ev["details"].(map[string]any)
	errs = s.checkObject(ev, s.common, typ) // details: only its being an object here
	if details == nil {
		return typ, append(errs, typ+".details: missing or not an object")
	}
	if success, _ := ev["success"].(bool); !success {
		if _, ok := ev["errno"]; !ok {
			errs = append(errs, typ+": failed without errno")
		}
	} else if _, ok := ev["errno"]; ok {
		errs = append(errs, typ+": errno on a successful call")
	}
	return typ, append(errs, s.checkObject(details, s.details[typ], typ+".details")...)
}

// formatRuns: every test program in the modes the call tests use, plus a
// TCP_INFO sample per byte moved.
var formatRuns = []struct {
	prog string
	o    opts
	args []string
}{
	{"socket", nil, []string{"stream", "4"}}, {"socket", nil, []string{"dgram", "6"}}, {"socket", nil, []string{"fail", "4"}},
	{"bind", nil, []string{"stream", "4"}}, {"bind", nil, []string{"dgram", "6"}}, {"bind", nil, []string{"fail", "4"}},
	{"connect", nil, []string{"stream", "6"}}, {"connect", nil, []string{"dgram", "4"}}, {"connect", nil, []string{"fail", "4"}},
	{"shutdown", nil, []string{"stream"}}, {"shutdown", nil, []string{"dgram"}}, {"shutdown", nil, []string{"fail"}},
	{"listen", nil, []string{"stream"}}, {"listen", nil, []string{"fail"}},
	{"accept", nil, []string{"accept", "4"}}, {"accept", nil, []string{"accept4", "6"}}, {"accept", nil, []string{"fail"}},
	{"accept", nil, []string{"fail4"}}, {"accept", nil, []string{"dgram"}},
	{"sockopt", nil, []string{"stream"}}, {"sockopt", nil, []string{"dgram"}}, {"sockopt", nil, []string{"fail"}},
	{"sendrecv", opts{"B": "1"}, []string{"stream", "4"}}, {"sendrecv", nil, []string{"dgram", "6"}}, {"sendrecv", nil, []string{"fail", "4"}},
	{"sendto", nil, []string{"dgram", "4"}}, {"sendto", nil, []string{"stream", "6"}}, {"sendto", nil, []string{"fail", "4"}},
	{"msg", nil, []string{"stream"}}, {"msg", nil, []string{"dgram"}}, {"msg", nil, []string{"fail"}},
	{"mmsg", nil, []string{"stream"}}, {"mmsg", nil, []string{"dgram"}}, {"mmsg", nil, []string{"fail"}},
	{"names", nil, []string{"stream", "4"}}, {"names", nil, []string{"dgram", "6"}}, {"names", nil, []string{"fail", "4"}},
	{"misc", nil, []string{"stream"}}, {"misc", nil, []string{"dgram"}}, {"misc", nil, []string{"fail"}},
	{"rw", nil, []string{"stream"}}, {"rw", nil, []string{"dgram"}}, {"rw", nil, []string{"fail"}},
	{"close", nil, []string{"stream"}}, {"close", nil, []string{"dgram"}}, {"close", nil, []string{"fail"}},
	{"dup", nil, []string{"stream"}}, {"dup", nil, []string{"dgram"}}, {"dup", nil, []string{"fail"}},
	{"sendfile", nil, []string{"stream"}}, {"sendfile", nil, []string{"fail"}},
	{"poll", nil, []string{"stream"}}, {"poll", nil, []string{"dgram"}}, {"poll", nil, []string{"fail"}},
	{"fcntl", nil, []string{"stream"}}, {"fcntl", nil, []string{"dgram"}}, {"fcntl", nil, []string{"fail"}},
	{"epoll", nil, []string{"stream"}}, {"epoll", nil, []string{"dgram"}}, {"epoll", nil, []string{"fail"}},
	{"fdopen", nil, []string{"stream"}}, {"fdopen", nil, []string{"dgram"}}, {"fdopen", nil, []string{"fail"}},
	{"fork", nil, nil}, {"ghost", nil, nil}, {"fortify", nil, []string{"8"}}, {"duration", nil, nil}, {"resolve", nil, nil},
	{"format", nil, []string{"protocols"}}, {"format", nil, []string{"iovneg"}}, {"format", nil, []string{"cmsg"}},
}

// docSpec is the document's tables and which types go in which file,
// parsed once per test binary.
type docSpec struct {
	*formatSpec
	shimTypes           []string
	sockTypes, dnsTypes map[string]bool
}

var (
	docOnce   sync.Once
	docParsed *docSpec
)

func loadDocSpec(t *testing.T) *docSpec {
	t.Helper()
	docOnce.Do(func() {
		spec := parseFormatDoc(t, filepath.Join(repoRoot(), "docs", "trace-format.md"))
		d := &docSpec{formatSpec: spec, shimTypes: shimEventTypes(t), sockTypes: map[string]bool{}, dnsTypes: map[string]bool{}}
		for _, typ := range d.shimTypes {
			if spec.details[typ] == nil {
				t.Errorf("event type %s (shim/event.h) has no table in the document", typ)
			}
			d.sockTypes[typ] = true
		}
		for typ := range spec.details {
			if !d.sockTypes[typ] {
				d.dnsTypes[typ] = true // the document's other types live in dns.json
			}
		}
		docParsed = d
	})
	if docParsed == nil {
		t.Fatal("docs/trace-format.md could not be parsed (see the first test that read it)")
	}
	return docParsed
}

// checkTraceAgainstDoc checks every event line of a trace directory: the
// lines of each socket (N.json, or the process's events.spool while it is
// not split into them) and of dns.json. It returns how many lines of each
// type it saw.
func checkTraceAgainstDoc(t *testing.T, dir string) map[string]int {
	t.Helper()
	d := loadDocSpec(t)
	seen := map[string]int{}
	check := func(r io.Reader, where string, allowed map[string]bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<24)
		for n := 1; sc.Scan(); n++ {
			typ, errs := d.checkLine(sc.Bytes(), allowed)
			for _, e := range errs {
				t.Errorf("%s:%d: %s", where, n, e)
			}
			seen[typ]++
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	for _, f := range files {
		allowed := d.sockTypes
		if filepath.Base(f) == "dns.json" {
			allowed = d.dnsTypes
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		check(fh, f, allowed)
		fh.Close()
	}
	spools, _ := filepath.Glob(filepath.Join(dir, "*", spool.Name))
	for _, f := range spools {
		x, err := spool.Open(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range x.Indices() {
			check(x.Reader(fh, id), fmt.Sprintf("%s socket %d", f, id), d.sockTypes)
		}
		fh.Close()
	}
	return seen
}

// checkDurationsNonZero: no call of the program takes no time; a 0 says
// the shim never noted when it started (a hook whose libc function is
// missing from calltime.c's list).
func checkDurationsNonZero(t *testing.T, dir string) {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Error(err)
		return
	}
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			for _, ev := range s.Events {
				if !ev.FakeCall && ev.DurationNsec == 0 {
					t.Errorf("%s line %d: %s has duration_nsec 0", s.Path, ev.Line, ev.Type)
				}
			}
		}
	}
}

// checkDurationsInOrder: one thread makes its calls one after the other, so
// in a socket's file an event of a thread cannot have started before the
// previous event of that thread ended (a start taken from another, older
// call would show here). Start = end − duration_nsec, to the microsecond.
func checkDurationsInOrder(t *testing.T, dir string) {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Error(err)
		return
	}
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			last := map[int64]tracefile.Event{}
			for _, ev := range s.Events {
				if ev.FakeCall { // pseudo events are written when the shim notices, not in call order
					continue
				}
				prev, ok := last[ev.ThreadID]
				last[ev.ThreadID] = ev
				if !ok {
					continue
				}
				if ev.DurationNsec >= (ev.TimestampUsec-prev.TimestampUsec+1)*1000 {
					t.Errorf("%s line %d: %s lasted %d ns, so began before the %s of line %d ended (%d µs before it)",
						s.Path, ev.Line, ev.Type, ev.DurationNsec, prev.Type, prev.Line, ev.TimestampUsec-prev.TimestampUsec)
				}
			}
		}
	}
}

// buildFlags: programs built as their own tests build them.
var buildFlags = map[string][]string{"fortify": {"-O2", "-D_FORTIFY_SOURCE=2"}}

func TestTracesMatchTheFormatDocument(t *testing.T) {
	d := loadDocSpec(t)
	var mu sync.Mutex
	seen := map[string]int{}
	lines := 0
	t.Run("programs", func(t *testing.T) {
		for _, fr := range formatRuns {
			fr := fr
			t.Run(fr.prog+" "+strings.Join(fr.args, " "), func(t *testing.T) {
				t.Parallel()
				if fr.prog == "fork" {
					skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks (as TestFork)")
				}
				r := run(t, build(t, fr.prog, buildFlags[fr.prog]...), fr.o, fr.args...)
				// (run has checked it against the document already.)
				got := checkTraceAgainstDoc(t, r.dir)
				mu.Lock()
				for typ, n := range got {
					seen[typ] += n
					lines += n
				}
				mu.Unlock()
			})
		}
	})
	// The runs must have exercised every type the shim writes and the
	// resolver calls of resolve.c, or the check above proves little.
	var missing []string
	for _, typ := range d.shimTypes {
		if seen[typ] == 0 && !(typ == "forked_socket" && tgt.runner != nil) { // fork: see above
			missing = append(missing, typ)
		}
	}
	for _, typ := range []string{"getaddrinfo", "gethostbyname", "gethostbyname2", "gethostbyaddr", "getnameinfo"} {
		if seen[typ] == 0 {
			missing = append(missing, typ)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 && !t.Failed() {
		t.Errorf("no event of type %v in %d lines checked", missing, lines)
	}
	t.Logf("%d lines of %d event types checked against the document", lines, len(seen))
}

// TestFormatCheckerCatchesDrift: the checker itself must reject a key the
// document does not list, a missing "always" key and a value of the wrong
// type (else the test above could pass on anything).
func TestFormatCheckerCatchesDrift(t *testing.T) {
	spec := loadDocSpec(t)
	allowed := map[string]bool{"connect": true}
	good := `{"type": "connect", "timestamp_usec": 1, "duration_nsec": 5, "return_value": 0, "success": true, "thread_id": 2, "fake_call": false, "details": {"addr": {"sa_family": "AF_INET", "ip": "127.0.0.1", "port": "80"}}}`
	if _, errs := spec.checkLine([]byte(good), allowed); len(errs) > 0 {
		t.Fatalf("a correct line was rejected: %v", errs)
	}
	for name, line := range map[string]string{
		"unknown key":        strings.Replace(good, `"port": "80"`, `"port": "80", "hostname": "x"`, 1),
		"missing always key": strings.Replace(good, `"thread_id": 2, `, "", 1),
		"port as an int":     strings.Replace(good, `"port": "80"`, `"port": 80`, 1),
		"null addr":          strings.Replace(good, `{"sa_family": "AF_INET", "ip": "127.0.0.1", "port": "80"}`, "null", 1),
		"errno on success":   strings.Replace(good, `"success": true`, `"success": true, "errno": "EINTR"`, 1),
	} {
		if _, errs := spec.checkLine([]byte(line), allowed); len(errs) == 0 {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
}

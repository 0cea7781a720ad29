package report

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/pcapstats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Sink receives every event as it is read (the Perfetto writer is one).
// ev is only valid during the call.
type Sink interface {
	Event(p *Process, s *Socket, ev *tracefile.Raw)
}

// Options tune Build.
type Options struct {
	// KeepEvents: events kept per socket for the page's table (0: none);
	// KeepBudget caps them over the whole trace.
	KeepEvents int
	KeepBudget int
	// LongCalls: how many of the longest calls each socket keeps.
	LongCalls int
	// SeriesPoints: about how many points a socket's plot keeps.
	SeriesPoints int
	Sink         Sink
}

// DefaultOptions are what the terminal and JSON reports use.
func DefaultOptions() Options {
	return Options{LongCalls: 5, SeriesPoints: 150}
}

// PageOptions keep what the HTML page shows as well.
func PageOptions() Options {
	o := DefaultOptions()
	o.KeepEvents, o.KeepBudget, o.LongCalls = 2000, 60000, 20
	return o
}

// requiredMeta are the meta/ files every trace (the original's too) has.
var requiredMeta = []string{"app", "cmd", "kernel", "machine", "os", "version"}

var pidRe = regexp.MustCompile(`\[pid (\d+)\]`)

// Build reads the trace at path (directory, .tar.gz or .zip) in one pass
// and summarises it. Damaged files are listed in Problems and the rest is
// still summarised; an error means there is nothing to report.
func Build(path string, o Options) (*Report, error) {
	r := &Report{SchemaVersion: SchemaVersion, Source: path, Meta: map[string]string{}}
	b := &builder{r: r, o: o, procs: map[string]*procAcc{}, budget: o.KeepBudget}
	sawMeta := false
	err := tracefile.Walk(path, func(e tracefile.Entry) error {
		switch e.Kind {
		case tracefile.KindMeta:
			sawMeta = true
			v, err := readSmall(e)
			if err != nil {
				b.problem(e.Path, 0, err.Error())
				return nil
			}
			if e.Name != "net" { // the sysctl dump: tens of kB nobody reads in a report
				r.Meta[e.Name] = strings.TrimRight(v, "\n")
			}
		case tracefile.KindEvents:
			return b.events(e)
		case tracefile.KindLogs:
			v, err := readSmall(e)
			if err == nil {
				if m := pidRe.FindStringSubmatch(v); m != nil {
					b.proc(e.Process).p.PID, _ = strconv.ParseInt(m[1], 10, 64)
				}
			}
		case tracefile.KindDNS:
			return b.dns(e)
		case tracefile.KindPcap:
			b.pcap(e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sawMeta {
		b.problem("meta/", 0, "missing: the trace has no meta/ directory (app, command and system unknown)")
	} else {
		for _, k := range requiredMeta {
			if _, ok := r.Meta[k]; !ok {
				b.problem("meta/"+k, 0, "missing meta file")
			}
		}
	}
	b.finish()
	return r, nil
}

func readSmall(e tracefile.Entry) (string, error) {
	f, err := e.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	v, err := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(v), err
}

type builder struct {
	r      *Report
	o      Options
	procs  map[string]*procAcc
	budget int
}

func (b *builder) problem(file string, line int, msg string) {
	b.r.Problems = append(b.r.Problems, Problem{File: file, Line: line, Msg: msg})
}

func (b *builder) proc(name string) *procAcc {
	pa := b.procs[name]
	if pa == nil {
		m := processDirRe.FindStringSubmatch(name)
		pa = &procAcc{
			p:        &Process{Name: name, App: m[1]},
			threads:  map[int64]*threadAcc{},
			waitSeen: map[uint64]struct{}{},
			pcaps:    map[int]*pcapstats.Stats{},
			dns:      map[string]string{},
		}
		b.procs[name] = pa
	}
	return pa
}

var processDirRe = regexp.MustCompile(`^(.+)_([0-9]{3,})$`)

func (b *builder) events(e tracefile.Entry) error {
	pa := b.proc(e.Process)
	s := &Socket{Index: e.Index, File: e.Process + "/" + e.Name, Calls: map[string]int{}}
	sa := newSockAcc(s, b.o)
	pa.p.Sockets = append(pa.p.Sockets, s)
	pa.socks = append(pa.socks, sa)
	f, err := e.Open()
	if err != nil {
		b.problem(e.Path, 0, err.Error())
		return nil
	}
	defer f.Close()
	unknown := map[string]bool{}
	return tracefile.Scan(f, e.Path, func(ev *tracefile.Raw) error {
		if !tracefile.KnownType(ev.Type) && !unknown[ev.Type] {
			unknown[ev.Type] = true
			b.problem(e.Path, ev.Line, fmt.Sprintf("unknown event type %q (counted, not interpreted)", ev.Type))
		}
		if ev.DurationNsec >= 0 {
			b.r.DurationsKnown = true
		}
		keep := false
		if len(s.Kept) < b.o.KeepEvents && b.budget > 0 {
			keep = true
			b.budget--
		}
		sa.add(ev, keep)
		pa.thread(ev)
		if b.o.Sink != nil {
			b.o.Sink.Event(pa.p, s, ev)
		}
		return nil
	}, func(p tracefile.Problem) { b.problem(p.File, p.Line, p.Msg) })
}

func (b *builder) dns(e tracefile.Entry) error {
	pa := b.proc(e.Process)
	f, err := e.Open()
	if err != nil {
		b.problem(e.Path, 0, err.Error())
		return nil
	}
	defer f.Close()
	return tracefile.Scan(f, e.Path, func(ev *tracefile.Raw) error {
		l := Lookup{Function: ev.Type, TimeUsec: ev.TimestampUsec, Errno: ev.Errno}
		l.Name, _ = ev.DetailString("name")
		if l.Name == "" {
			l.Name, _ = ev.DetailString("node")
		}
		ev.DetailArray(func(_ int, el *tracefile.Raw) {
			ip, ok := el.DetailString("ip")
			if !ok {
				ip, ok = el.DetailString()
			}
			if ok && ip != "" {
				l.Addresses = append(l.Addresses, ip)
				if _, seen := pa.dns[ip]; !seen && l.Name != "" {
					pa.dns[ip] = l.Name
				}
			}
		}, "addresses")
		pa.p.Lookups = append(pa.p.Lookups, l)
		return nil
	}, func(p tracefile.Problem) { b.problem(p.File, p.Line, p.Msg) })
}

func (b *builder) pcap(e tracefile.Entry) {
	pa := b.proc(e.Process)
	f, err := e.Open()
	if err != nil {
		pa.pcaps[e.Index] = &pcapstats.Stats{Err: err.Error()}
		return
	}
	defer f.Close()
	st, err := pcapstats.Read(bufio.NewReader(f))
	if err != nil {
		st = &pcapstats.Stats{Err: err.Error()}
	}
	pa.pcaps[e.Index] = st
}

// finish computes what needs every file read: ordering, totals, host
// names, wire comparisons.
func (b *builder) finish() {
	r := b.r
	names := make([]string, 0, len(b.procs))
	for n := range b.procs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, c := processDirRe.FindStringSubmatch(names[i]), processDirRe.FindStringSubmatch(names[j])
		if a[1] != c[1] {
			return a[1] < c[1]
		}
		x, _ := strconv.Atoi(a[2])
		y, _ := strconv.Atoi(c[2])
		return x < y
	})
	cmdTaken := false
	for _, n := range names {
		pa := b.procs[n]
		p := pa.p
		p.Command = p.App
		if !cmdTaken && r.Meta["cmd"] != "" && p.App == r.Meta["app"] {
			p.Command, cmdTaken = r.Meta["cmd"], true
		}
		for _, sa := range pa.socks {
			sa.finish(pa)
			s := sa.s
			if st := pa.pcaps[s.Index]; st != nil {
				s.Wire = wireOf(st, s)
			}
			p.Totals.add(s)
			if s.Events > 0 {
				p.StartUsec = minNonZero(p.StartUsec, s.FirstUsec)
				p.EndUsec = max(p.EndUsec, s.LastUsec)
			}
		}
		sort.Slice(p.Sockets, func(i, j int) bool { return p.Sockets[i].Index < p.Sockets[j].Index })
		p.DurationUsec = p.EndUsec - p.StartUsec
		p.Totals.Processes = 1
		p.Threads = pa.threadList()
		if p.Lookups == nil {
			p.Lookups = []Lookup{}
		}
		r.Processes = append(r.Processes, p)
		r.Totals.Processes++
		r.Totals.Sockets += p.Totals.Sockets
		r.Totals.Events += p.Totals.Events
		r.Totals.BytesSent += p.Totals.BytesSent
		r.Totals.BytesReceived += p.Totals.BytesReceived
		r.Totals.FailedCalls += p.Totals.FailedCalls
		if p.Totals.Events > 0 {
			r.StartUsec = minNonZero(r.StartUsec, p.StartUsec)
			r.EndUsec = max(r.EndUsec, p.EndUsec)
		}
	}
	if r.Processes == nil {
		r.Processes = []*Process{}
	}
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
}

func (t *Totals) add(s *Socket) {
	t.Sockets++
	t.Events += s.Events
	t.BytesSent += s.BytesSent
	t.BytesReceived += s.BytesRecv
	t.FailedCalls += s.FailedCalls
}

func minNonZero(a, b int64) int64 {
	if a == 0 || b < a {
		return b
	}
	return a
}

// wireOf turns pcap counts into the socket's Wire, with a warning when the
// application's byte counts and the wire's payload disagree.
func wireOf(st *pcapstats.Stats, s *Socket) *Wire {
	w := &Wire{Error: st.Err, Packets: st.Packets, Bytes: st.WireBytes}
	if st.Err != "" {
		return w
	}
	dir := st.Directions(s.Remote)
	if s.Local == "" && dir.Known {
		s.Local = st.Local(s.Remote) // the program never asked (getsockname): the wire says
	}
	w.PayloadSent, w.PayloadRecv = dir.Sent, dir.Recv
	w.Retransmits = st.Retransmits
	w.HandshakeUs, w.TeardownUs = st.HandshakeUsec, st.TeardownUsec
	if s.Protocol == "TCP" && dir.Known && (dir.Sent != s.BytesSent || dir.Recv != s.BytesRecv) {
		w.Warning = fmt.Sprintf("the application sent %d and received %d bytes, the wire carried %d and %d bytes of payload",
			s.BytesSent, s.BytesRecv, dir.Sent, dir.Recv)
	}
	return w
}

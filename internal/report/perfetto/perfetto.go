// Package perfetto writes a trace in the Trace Event Format (the JSON that
// ui.perfetto.dev and chrome://tracing both open): one process per traced
// process, one track per thread with each call as a complete ("X") slice,
// one track per socket showing its lifetime, and counters for the bytes a
// socket moved and for its tcp_info RTT and cwnd.
//
// Times: the format's ts/dur are microseconds (fractions allowed). An event's
// timestamp is when the call returned, so a slice starts duration_nsec
// before it; without durations slices have no width.
package perfetto

import (
	"bufio"
	"encoding/json"
	"sort"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// SocketTIDBase: socket tracks are pseudo threads numbered from here (the
// format has no other kind of track that both viewers show by name).
const SocketTIDBase = 1_000_000_000

type slice struct {
	start, dur int64 // ns; dur 0 when unknown
	tid        int64
	ret        int64
	typ, errno string
	sock       *report.Socket
	data       bool // a send/recv family call: args carry bytes
}

type counter struct {
	t    int64 // µs
	sock *report.Socket
	tcp  bool
	a, b int64
}

// Collector is a report.Sink that keeps what the file needs (a few dozen
// bytes per event) until Write.
type Collector struct {
	slices   map[*report.Process][]slice
	counters map[*report.Process][]counter
	order    []*report.Process
}

func NewCollector() *Collector {
	return &Collector{slices: map[*report.Process][]slice{}, counters: map[*report.Process][]counter{}}
}

var dataCalls = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "write": true, "writev": true, "sendfile": true,
	"sendmmsg": true, "recv": true, "recvfrom": true, "recvmsg": true, "read": true, "readv": true, "recvmmsg": true}

// Event implements report.Sink.
func (c *Collector) Event(p *report.Process, s *report.Socket, ev *tracefile.Raw) {
	if _, ok := c.slices[p]; !ok {
		c.order = append(c.order, p)
		c.slices[p] = nil
	}
	if ev.Type == "tcp_info" {
		rtt, _ := ev.DetailInt("rtt")
		cwnd, _ := ev.DetailInt("snd_cwnd")
		c.counters[p] = append(c.counters[p], counter{t: ev.TimestampUsec, sock: s, tcp: true, a: rtt, b: cwnd})
		return
	}
	if ev.FakeCall {
		return
	}
	d := max(ev.DurationNsec, 0)
	sl := slice{start: ev.TimestampUsec*1000 - d, dur: d, tid: ev.ThreadID, ret: ev.ReturnValue,
		typ: ev.Type, errno: ev.Errno, sock: s, data: dataCalls[ev.Type]}
	c.slices[p] = append(c.slices[p], sl)
	if sl.data && ev.Success {
		c.counters[p] = append(c.counters[p], counter{t: ev.TimestampUsec, sock: s, a: s.BytesSent, b: s.BytesRecv})
	}
}

// Write writes the file for the report r the events were collected for.
func (c *Collector) Write(w *bufio.Writer, r *report.Report) error {
	ew := &eventWriter{w: w}
	w.WriteString(`{"displayTimeUnit":"ms","otherData":{"source":`)
	ew.str(r.Source)
	w.WriteString(`},"traceEvents":[`)
	pids := pidsOf(r)
	kept := map[*report.Process]bool{}
	for _, p := range r.Processes {
		kept[p] = true
	}
	for _, p := range c.order {
		if kept[p] {
			c.process(ew, p, pids[p])
		}
	}
	// Processes filtered out of r by --process/--socket are not written.
	w.WriteString("\n]}\n")
	return ew.err
}

// pidsOf: the real pid where the trace has it and it is unique, else a
// made-up one (the format needs a number per process).
func pidsOf(r *report.Report) map[*report.Process]int64 {
	out := map[*report.Process]int64{}
	used := map[int64]bool{}
	for _, p := range r.Processes {
		if p.PID > 0 && !used[p.PID] {
			out[p], used[p.PID] = p.PID, true
		}
	}
	next := int64(1 << 22)
	for _, p := range r.Processes {
		if _, ok := out[p]; !ok {
			for used[next] {
				next++
			}
			out[p], used[next] = next, true
		}
	}
	return out
}

func (c *Collector) process(ew *eventWriter, p *report.Process, pid int64) {
	socks := map[*report.Socket]bool{}
	for _, s := range p.Sockets {
		socks[s] = true
	}
	label := p.Name + " (" + p.Command + ")"
	if p.PID > 0 {
		label = p.Name + " pid " + strconv.FormatInt(p.PID, 10) + " (" + p.Command + ")"
	}
	ew.meta("process_name", pid, 0, label)
	for _, th := range p.Threads {
		ew.meta("thread_name", pid, th.TID, "thread "+strconv.FormatInt(th.TID, 10))
	}
	for _, s := range p.Sockets {
		tid := int64(SocketTIDBase + s.Index)
		ew.meta("thread_name", pid, tid, "socket "+strconv.Itoa(s.Index)+" "+s.Proto()+" "+s.Endpoints())
		if s.Events > 0 {
			ew.begin()
			ew.w.WriteString(`"ph":"X","cat":"socket","name":`)
			ew.str(s.Proto() + " " + s.Endpoints())
			ew.num("pid", pid)
			ew.num("tid", tid)
			ew.us("ts", s.FirstUsec*1000)
			ew.us("dur", (s.LastUsec-s.FirstUsec)*1000)
			ew.w.WriteString(`,"args":{"socket":` + strconv.Itoa(s.Index) + `,"events":` + strconv.Itoa(s.Events) + "}}")
		}
	}
	sl := c.slices[p]
	sort.SliceStable(sl, func(i, j int) bool {
		if sl[i].tid != sl[j].tid {
			return sl[i].tid < sl[j].tid
		}
		if sl[i].start != sl[j].start {
			return sl[i].start < sl[j].start
		}
		return sl[i].dur > sl[j].dur
	})
	nest(sl)
	for i := range sl {
		x := &sl[i]
		if !socks[x.sock] {
			continue
		}
		ew.begin()
		ew.w.WriteString(`"ph":"X","cat":"call","name":"` + x.typ + `"`)
		ew.num("pid", pid)
		ew.num("tid", x.tid)
		ew.us("ts", x.start)
		ew.us("dur", x.dur)
		ew.w.WriteString(`,"args":{"socket":` + strconv.Itoa(x.sock.Index))
		if x.sock.Remote != "" {
			ew.w.WriteString(`,"address":`)
			ew.str(x.sock.Remote)
		}
		ew.num("return_value", x.ret)
		if x.data && x.ret > 0 {
			ew.num("bytes", x.ret)
		}
		if x.errno != "" {
			ew.w.WriteString(`,"errno":"` + x.errno + `"`)
		}
		ew.w.WriteString("}}")
	}
	for _, k := range c.counters[p] {
		if !socks[k.sock] {
			continue
		}
		ew.begin()
		name, a, b := "socket "+strconv.Itoa(k.sock.Index)+" bytes", "sent", "received"
		if k.tcp {
			name, a, b = "socket "+strconv.Itoa(k.sock.Index)+" tcp_info", "rtt_usec", "cwnd"
		}
		ew.w.WriteString(`"ph":"C","name":`)
		ew.str(name)
		ew.num("pid", pid)
		ew.us("ts", k.t*1000)
		ew.w.WriteString(`,"args":{"` + a + `":` + strconv.FormatInt(k.a, 10) + `,"` + b + `":` + strconv.FormatInt(k.b, 10) + "}}")
	}
}

// nest makes the slices of each thread properly nested: a call's end is
// known to the microsecond and its duration to the nanosecond, so two
// calls back to back can seem to overlap by less than a microsecond; the
// later one is moved to start where the earlier ended. Slices are sorted
// by thread, start, longest first.
func nest(sl []slice) {
	var stack []int64 // ends of the open slices of the current thread
	tid := int64(-1)
	for i := range sl {
		x := &sl[i]
		if x.tid != tid {
			tid, stack = x.tid, stack[:0]
		}
		for len(stack) > 0 && stack[len(stack)-1] <= x.start {
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && x.start+x.dur > stack[n-1] {
			// partial overlap with the enclosing slice: start after it
			end := x.start + x.dur
			x.start = stack[n-1]
			x.dur = max(end-x.start, 0)
			stack = stack[:n-1]
			for len(stack) > 0 && stack[len(stack)-1] <= x.start {
				stack = stack[:len(stack)-1]
			}
		}
		stack = append(stack, x.start+x.dur)
	}
}

type eventWriter struct {
	w   *bufio.Writer
	n   int
	err error
}

func (e *eventWriter) begin() {
	if e.n > 0 {
		e.w.WriteString(",\n{")
	} else {
		e.w.WriteString("\n{")
	}
	e.n++
}

func (e *eventWriter) str(s string) {
	b, _ := json.Marshal(s)
	if _, err := e.w.Write(b); err != nil && e.err == nil {
		e.err = err
	}
}

func (e *eventWriter) num(k string, v int64) {
	e.w.WriteString(`,"` + k + `":` + strconv.FormatInt(v, 10))
}

// us writes a time given in ns as microseconds with three decimals.
func (e *eventWriter) us(k string, ns int64) {
	e.w.WriteString(`,"` + k + `":` + strconv.FormatInt(ns/1000, 10) + "." + pad3(ns%1000))
}

func pad3(n int64) string {
	if n < 0 {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func (e *eventWriter) meta(name string, pid, tid int64, label string) {
	e.begin()
	e.w.WriteString(`"ph":"M","name":"` + name + `"`)
	e.num("pid", pid)
	e.num("tid", tid)
	e.w.WriteString(`,"args":{"name":`)
	e.str(label)
	e.w.WriteString("}}")
}

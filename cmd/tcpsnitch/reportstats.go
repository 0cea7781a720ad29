package main

import (
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// statsSink feeds the report's events to the statistics, and passes them
// on to another sink (the Perfetto writer) when there is one.
type statsSink struct {
	acc  *stats.Accumulator
	next report.Sink
}

func (k statsSink) Event(p *report.Process, s *report.Socket, ev *tracefile.Raw) {
	k.acc.Event(p.Name, s.Index, stats.FromRaw(ev))
	if k.next != nil {
		k.next.Event(p, s, ev)
	}
}

// statsResults finishes the statistics of a built (and selected) report:
// the trace and each process, or with --process/--socket only those, each
// chosen process's sockets with their bytes over time.
func statsResults(acc *stats.Accumulator, r *report.Report, opts *ReportOptions) []stats.Result {
	acc.Flush()
	acc.SetInfo(stats.TraceInfo{App: r.Meta["app"], OS: r.Meta["os"]})
	for _, p := range r.Processes {
		for _, l := range p.Lookups {
			if l.Errno == "" {
				acc.Host(l.Name)
			}
		}
	}
	all := stats.TraceResults(acc, acc.Info.App)
	if opts.Process == "" && opts.Socket < 0 {
		// the trace and its processes; sockets only on request (a trace
		// may have thousands)
		var out []stats.Result
		for _, res := range all {
			if res.Scope != stats.ScopeSocket {
				out = append(out, res)
			}
		}
		return out
	}
	// report.Select has kept the chosen processes and sockets.
	want := map[string]bool{}
	for _, p := range r.Processes {
		want[p.Name] = true
		for _, s := range p.Sockets {
			want[p.Name+"/"+strconv.Itoa(s.Index)] = true
		}
	}
	var out []stats.Result
	for _, res := range all {
		if res.Scope == stats.ScopeTrace {
			continue
		}
		if want[res.Name] && (opts.Socket < 0 || res.Scope == stats.ScopeSocket) {
			out = append(out, res)
		}
	}
	return out
}

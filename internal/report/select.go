package report

import (
	"fmt"
	"sort"
	"strconv"
)

// SortKeys are the orders --sort accepts.
var SortKeys = []string{"time", "bytes", "duration", "calls", "errors"}

// Sort orders each process's sockets: by first event (time, the default),
// or largest first by bytes moved, duration, calls or failed calls.
func Sort(r *Report, key string) error {
	var less func(a, b *Socket) bool
	switch key {
	case "", "time":
		less = func(a, b *Socket) bool { return a.FirstUsec < b.FirstUsec }
	case "bytes":
		less = func(a, b *Socket) bool { return a.BytesSent+a.BytesRecv > b.BytesSent+b.BytesRecv }
	case "duration":
		less = func(a, b *Socket) bool { return a.DurationUsec > b.DurationUsec }
	case "calls":
		less = func(a, b *Socket) bool { return a.TotalCalls() > b.TotalCalls() }
	case "errors":
		less = func(a, b *Socket) bool { return a.FailedCalls > b.FailedCalls }
	default:
		return fmt.Errorf("unknown sort key %q (want one of %v)", key, SortKeys)
	}
	for _, p := range r.Processes {
		sort.SliceStable(p.Sockets, func(i, j int) bool {
			a, b := p.Sockets[i], p.Sockets[j]
			if less(a, b) {
				return true
			}
			if less(b, a) {
				return false
			}
			return a.Index < b.Index
		})
	}
	return nil
}

// Select keeps the processes matching proc (directory name "curl_000",
// app name "curl" or pid; "" for all) and, when sock >= 0, only the socket
// with that index. Totals are recomputed for what is kept. It fails when
// nothing matches, naming what the trace has.
func Select(r *Report, proc string, sock int) error {
	if proc == "" && sock < 0 {
		return nil
	}
	var kept []*Process
	for _, p := range r.Processes {
		if proc != "" && p.Name != proc && p.App != proc && strconv.FormatInt(p.PID, 10) != proc {
			continue
		}
		if sock >= 0 {
			var ss []*Socket
			for _, s := range p.Sockets {
				if s.Index == sock {
					ss = append(ss, s)
				}
			}
			if len(ss) == 0 {
				continue
			}
			q := *p
			q.Sockets = ss
			q.Totals = Totals{Processes: 1}
			for _, s := range ss {
				q.Totals.add(s)
			}
			p = &q
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		var names []string
		for _, p := range r.Processes {
			names = append(names, fmt.Sprintf("%s (pid %d, %d sockets)", p.Name, p.PID, len(p.Sockets)))
		}
		what := fmt.Sprintf("process %q", proc)
		if proc == "" {
			what = "any process"
		}
		if sock >= 0 {
			return fmt.Errorf("no socket %d in %s; the trace has: %v", sock, what, names)
		}
		return fmt.Errorf("no %s in the trace (give a directory name, app name or pid); the trace has: %v", what, names)
	}
	r.Processes = kept
	r.Totals = Totals{}
	for _, p := range kept {
		r.Totals.Processes++
		r.Totals.Sockets += p.Totals.Sockets
		r.Totals.Events += p.Totals.Events
		r.Totals.BytesSent += p.Totals.BytesSent
		r.Totals.BytesReceived += p.Totals.BytesReceived
		r.Totals.FailedCalls += p.Totals.FailedCalls
	}
	return nil
}

// Subset is Select on a copy: r itself is left whole (the server renders
// one process or one socket of a stored trace).
func Subset(r *Report, proc string, sock int) (*Report, error) {
	c := *r
	c.Processes = append([]*Process(nil), r.Processes...)
	if err := Select(&c, proc, sock); err != nil {
		return nil, err
	}
	return &c, nil
}

package stats

import (
	"io"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// ReadTrace computes the statistics of the trace at path (directory,
// .tar.gz or .zip) in one streaming pass, for code that has no reader of
// its own (a server computing a trace's aggregate from its archive).
// Damaged lines are skipped and returned. info's empty fields are filled
// from meta/ (app, os).
func ReadTrace(path string, info TraceInfo, keepSockets bool) (*Accumulator, []tracefile.Problem, error) {
	acc := NewAccumulator(info)
	acc.KeepSockets = keepSockets
	var problems []tracefile.Problem
	meta := map[string]string{}
	err := tracefile.Walk(path, func(e tracefile.Entry) error {
		switch e.Kind {
		case tracefile.KindMeta:
			if e.Name != "app" && e.Name != "os" {
				return nil
			}
			f, err := e.Open()
			if err != nil {
				return err
			}
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, 4096))
			if err != nil {
				return err
			}
			meta[e.Name] = strings.TrimSpace(string(b))
		case tracefile.KindDNS:
			f, err := e.Open()
			if err != nil {
				return err
			}
			defer f.Close()
			return tracefile.Scan(f, e.Path, func(ev *tracefile.Raw) error {
				if ev.Success {
					acc.Host(lookupName(ev))
				}
				return nil
			}, func(p tracefile.Problem) { problems = append(problems, p) })
		case tracefile.KindEvents:
			f, err := e.Open()
			if err != nil {
				return err
			}
			defer f.Close()
			return tracefile.Scan(f, e.Path, func(ev *tracefile.Raw) error {
				acc.Event(e.Process, e.Index, FromRaw(ev))
				return nil
			}, func(p tracefile.Problem) { problems = append(problems, p) })
		}
		return nil
	})
	if err != nil {
		return nil, problems, err
	}
	acc.Flush()
	if info.App == "" {
		info.App = meta["app"]
	}
	if info.OS == "" {
		info.OS = meta["os"]
	}
	acc.SetInfo(info)
	return acc, problems, nil
}

// lookupName is the name a dns.json lookup asked for ("name", or
// getaddrinfo's "node").
func lookupName(ev *tracefile.Raw) string {
	if n, ok := ev.DetailString("name"); ok && n != "" {
		return n
	}
	n, _ := ev.DetailString("node")
	return n
}

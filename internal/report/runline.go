package report

import (
	"fmt"
	"strings"
)

// Limits of the run line's own reading: past them it reads nothing and
// gives the counts the shim wrote. Reading is about 1 µs per event and
// 30 µs per file; the run line must not add seconds to a big run (the
// benchmark times whole runs).
const (
	runLineMaxEvents  = 20000
	runLineMaxSockets = 500
)

// RunLine is the line printed after "Trace saved in DIR." at the end of a
// run: what this run's processes (procs: their directory names; nil for
// all of the trace) hold and the command that shows more. known holds what
// the caller counted already (processes and sockets from the directories,
// events from the shim's summary lines): a small run is read for its bytes
// and failed calls, a big one is described by known alone. A run that
// left no process directory gets no line ("").
func RunLine(dir string, procs []string, known Totals) string {
	see := "See it with: tcpsnitch report " + shellQuote(dir)
	if known.Processes == 0 && procs != nil && len(procs) == 0 {
		return ""
	}
	if known.Events > runLineMaxEvents || known.Sockets > runLineMaxSockets {
		return fmt.Sprintf("%s, %s, %s. %s", plural(known.Processes, "process", "processes"),
			plural(known.Sockets, "socket", "sockets"), plural(known.Events, "event", "events"), see)
	}
	r, err := Build(dir, Options{})
	if err != nil {
		return ""
	}
	t := r.Totals
	if procs != nil {
		mine := map[string]bool{}
		for _, p := range procs {
			mine[p] = true
		}
		t = Totals{}
		for _, p := range r.Processes {
			if mine[p.Name] {
				t.Processes++
				t.Sockets += p.Totals.Sockets
				t.Events += p.Totals.Events
				t.BytesSent += p.Totals.BytesSent
				t.BytesReceived += p.Totals.BytesReceived
				t.FailedCalls += p.Totals.FailedCalls
			}
		}
	}
	if t.Processes == 0 {
		return "" // nothing was recorded: the run has said why
	}
	return TotalsLine(t) + ". " + see
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+:,", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

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
// run: what the trace holds and the command that shows more. known holds
// what the caller counted already (processes and sockets from the
// directory, events from the shim's summary lines): a small trace is read
// for its bytes and failed calls, a big one is described by known alone.
func RunLine(dir string, known Totals) string {
	see := "See it with: tcpsnitch report " + shellQuote(dir)
	if known.Events > runLineMaxEvents || known.Sockets > runLineMaxSockets {
		return fmt.Sprintf("%s, %s, %s. %s", plural(known.Processes, "process", "processes"),
			plural(known.Sockets, "socket", "sockets"), plural(known.Events, "event", "events"), see)
	}
	r, err := Build(dir, Options{})
	if err != nil {
		return ""
	}
	return TotalsLine(r.Totals) + ". " + see
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

package report

import (
	"fmt"
	"strings"
)

// RunLine is the line printed after "Trace saved in DIR." at the end of a
// run: what the trace holds and the command that shows more. A trace that
// cannot be read gives "" (the run has said what it could already).
func RunLine(dir string) string {
	r, err := Build(dir, Options{})
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s. See it with: tcpsnitch report %s", TotalsLine(r.Totals), shellQuote(dir))
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ':' || c == ',') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

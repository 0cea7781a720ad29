package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextOptions: how the terminal report looks.
type TextOptions struct {
	Width int  // columns to fit in; <= 0: 100
	Color bool // ANSI colours (only on a terminal, never with NO_COLOR)
}

const (
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

type textWriter struct {
	w   io.Writer
	o   TextOptions
	err error
}

func (t *textWriter) paint(code, s string) string {
	if !t.o.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) line(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s+"\n")
	}
}

// WriteText prints the report like `strace -c`, per connection: a block per
// process, a row per socket with indented detail lines, then totals.
func WriteText(w io.Writer, r *Report, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	o.Width = max(o.Width, 60)
	t := &textWriter{w: w, o: o}
	head := "Trace " + r.Source
	if app := r.Meta["app"]; app != "" {
		head += " — " + app
		if osName := r.Meta["os"]; osName != "" {
			head += " on " + osName
		}
	}
	t.line(t.paint(ansiBold, fit(head, o.Width)))
	if r.StartUsec != 0 {
		t.line(fmt.Sprintf("%s over %s", usecClock(r.StartUsec), Usec(r.EndUsec-r.StartUsec)))
	}
	if !r.DurationsKnown {
		t.line(t.paint(ansiDim, "Call durations: unknown (no duration_nsec in the events)."))
	}
	for _, p := range r.Processes {
		t.line("")
		t.process(r, p)
	}
	t.line("")
	t.wrapped(t.paint(ansiBold, "Total: "), TotalsLine(r.Totals))
	if n := len(r.Problems); n > 0 {
		t.line(t.paint(ansiYellow, fmt.Sprintf("%s in the trace (listed on stderr); the rest is summarised.", plural(n, "damaged spot", "damaged spots"))))
	}
	return t.err
}

// columns of a socket row: index, protocol, endpoints (flexible), start,
// duration, sent, received, calls, failed.
var rowHead = []string{"#", "proto", "local → remote", "start", "duration", "sent", "received", "calls", "failed"}

func (t *textWriter) process(r *Report, p *Process) {
	pid := "pid ?"
	if p.PID != 0 {
		pid = "pid " + strconv.FormatInt(p.PID, 10)
	}
	head := fmt.Sprintf("%s  %s  %s  %s, %s", p.Name, pid, p.Command, Usec(p.DurationUsec), plural(len(p.Threads), "thread", "threads"))
	t.line(t.paint(ansiBold, fit(head, t.o.Width)))
	for _, th := range p.Threads {
		if th.Share != nil && len(p.Threads) > 0 {
			t.line(fmt.Sprintf("  thread %d: %s in socket calls over %s (%.0f%%), %s", th.TID, Nsec(*th.InCallsNsec),
				Usec(th.SpanUsec), *th.Share*100, plural(th.Calls, "call", "calls")))
		}
	}
	if len(p.Sockets) == 0 {
		t.line("  no socket")
		return
	}
	rows := [][]string{rowHead}
	for _, s := range p.Sockets {
		rows = append(rows, []string{strconv.Itoa(s.Index), s.Proto(), s.Endpoints(),
			"+" + Usec(s.FirstUsec-r.StartUsec), Usec(s.DurationUsec), Bytes(s.BytesSent), Bytes(s.BytesRecv),
			strconv.Itoa(s.TotalCalls()), strconv.Itoa(s.FailedCalls)})
	}
	widths, addrLine := t.widths(rows)
	for i, row := range rows {
		line := "  " + t.row(row, widths)
		if i == 0 {
			line = t.paint(ansiDim, line)
		}
		t.line(line)
		if i == 0 {
			continue
		}
		s := p.Sockets[i-1]
		if addrLine {
			t.detail("address", s.Endpoints(), "")
		}
		t.detail("calls", s.CallsLine(), "")
		t.detail("failed", s.FailuresLine(), ansiRed)
		t.detail("timing", s.TimingLine(), "")
		t.detail("tcp_info", s.TCPInfoLine(), "")
		t.detail("wire", s.WireLine(), "")
		if s.Wire != nil && s.Wire.Warning != "" {
			t.detail("warning", s.Wire.Warning, ansiYellow)
		}
	}
	t.wrapped("  ", TotalsLine(p.Totals))
}

// wrapped prints text after prefix, wrapped at commas to the width.
func (t *textWriter) wrapped(prefix, text string) {
	pad := strings.Repeat(" ", utf8.RuneCountInString(stripANSI(prefix)))
	for i, l := range wrap(text, t.o.Width-len(pad)) {
		if i == 0 {
			t.line(prefix + l)
		} else {
			t.line(pad + l)
		}
	}
}

func stripANSI(s string) string {
	for _, c := range []string{ansiBold, ansiRed, ansiYellow, ansiDim, ansiReset} {
		s = strings.ReplaceAll(s, c, "")
	}
	return s
}

// widths: natural column widths. The endpoints column gives way so the
// row fits the terminal; when it would be narrower than minAddr, the
// addresses go to a detail line of their own (addrLine) and the column is
// dropped.
func (t *textWriter) widths(rows [][]string) (w []int, addrLine bool) {
	const minAddr = 24
	w = make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], utf8.RuneCountInString(c))
		}
	}
	total := 0
	for _, x := range w {
		total += x + 2
	}
	if over := total - t.o.Width; over > 0 {
		if w[2]-over >= minAddr {
			w[2] -= over
		} else {
			w[2], addrLine = -1, true
		}
	}
	return w, addrLine
}

func (t *textWriter) row(cells []string, w []int) string {
	var b strings.Builder
	first := true
	for i, c := range cells {
		if w[i] < 0 {
			continue // a dropped column
		}
		if !first {
			b.WriteString("  ")
		}
		first = false
		c = fit(c, w[i])
		pad := strings.Repeat(" ", w[i]-utf8.RuneCountInString(c))
		if i == 8 && c != "0" && c != rowHead[8] {
			c = t.paint(ansiRed, c) // failed calls
		}
		if i == 2 || i == 1 { // text columns left-aligned, numbers right-aligned
			b.WriteString(c + pad)
		} else {
			b.WriteString(pad + c)
		}
	}
	return b.String()
}

// detail prints "      name: text", wrapped at commas to the width.
func (t *textWriter) detail(name, text, color string) {
	if text == "" {
		return
	}
	indent := "      "
	prefix := indent + name + ": "
	lines := wrap(text, t.o.Width-utf8.RuneCountInString(prefix))
	for i, l := range lines {
		if color != "" {
			l = t.paint(color, l)
		}
		if i == 0 {
			t.line(t.paint(ansiDim, prefix) + l)
		} else {
			t.line(strings.Repeat(" ", utf8.RuneCountInString(prefix)) + l)
		}
	}
}

// wrap splits text after ", " so no line is longer than width (a single
// part longer than that is cut).
func wrap(text string, width int) []string {
	width = max(width, 20)
	parts := strings.SplitAfter(text, ", ")
	var out []string
	cur := ""
	for _, p := range parts {
		if cur != "" && utf8.RuneCountInString(cur+strings.TrimRight(p, " ")) > width {
			out = append(out, strings.TrimRight(cur, " "))
			cur = ""
		}
		cur += p
	}
	if cur != "" {
		out = append(out, strings.TrimRight(cur, " "))
	}
	for i, l := range out {
		out[i] = fit(l, width)
	}
	return out
}

// fit cuts s to n runes, marking the cut with "…".
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// usecClock: an epoch time in µs as "2017-04-01 10:48:40.731 UTC".
func usecClock(us int64) string {
	return timeOf(us).Format("2006-01-02 15:04:05.000 UTC")
}

package stats

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes results as plain tables for a terminal: one block per
// statistic (title, kind, rows with percentages, total). Empty statistics
// are listed on one line so the reader knows they were looked at.
func WriteText(w io.Writer, results []Result) error {
	ew := &errWriter{w: w}
	for i, r := range results {
		if i > 0 {
			ew.printf("\n")
		}
		ew.printf("══ %s %s ══\n\n", r.Scope, r.Name)
		var empty []string
		for _, s := range r.Stats {
			if len(s.Rows) == 0 {
				empty = append(empty, s.ID)
				continue
			}
			writeStat(ew, s)
		}
		if len(empty) > 0 {
			ew.printf("\nnone: %s\n", strings.Join(empty, ", "))
		}
	}
	return ew.err
}

func writeStat(ew *errWriter, s Stat) {
	unit := ""
	if s.Unit != "" {
		unit = ", " + s.Unit
	}
	if s.Kind == KindCount {
		ew.printf("%s: %s\n", s.Title, fmtNum(s.Total))
		return
	}
	ew.printf("\n%s  [%s%s]\n", s.Title, s.Kind, unit)
	width := 0
	for _, r := range s.Rows {
		if len(r.Key) > width {
			width = len(r.Key)
		}
	}
	if width > 60 {
		width = 60
	}
	for _, r := range s.Rows {
		key := r.Key
		if len(key) > 60 {
			key = key[:57] + "..."
		}
		switch s.Kind {
		case KindBoolShare:
			ew.printf("  %-*s %12s of %-12s %6.2f %%\n", width, key, fmtNum(r.Value), fmtNum(r.Of), r.Percent)
		case KindCDF:
			ew.printf("  %-*s %12s  %6.2f %% cumulative\n", width, key, fmtNum(r.Value), r.Percent)
		case KindDistinct:
			ew.printf("  %s\n", key)
		default:
			ew.printf("  %-*s %12s  %6.2f %%\n", width, key, fmtNum(r.Value), r.Percent)
		}
	}
	ew.printf("  %-*s %12s\n", width, "total", fmtNum(s.Total))
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

package server

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
)

// The statistics page's charts, drawn here as inline SVG (no script, no
// CDN): a pie for pie, bars for sums, apps-using and distinct, a bar per
// flag for bool-share, a step line on a log x axis for CDFs.

const (
	chartW    = 640
	barH      = 16
	maxBars   = 20 // the table under the chart has every row
	pieR      = 90
	cdfH      = 200
	chartLeft = 220
)

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func chart(s stats.Stat) template.HTML {
	if len(s.Rows) == 0 {
		return ""
	}
	switch s.Kind {
	case stats.KindCount:
		return ""
	case stats.KindPie:
		return pieChart(s)
	case stats.KindCDF:
		return cdfChart(s)
	case stats.KindBoolShare:
		return bars(s, func(r stats.Row) float64 { return r.Percent }, 100, func(r stats.Row) string {
			return fmt.Sprintf("%s of %s (%.1f %%)", fmtF(r.Value), fmtF(r.Of), r.Percent)
		})
	case stats.KindAppsUsing:
		return bars(s, func(r stats.Row) float64 { return r.Value }, s.Total, func(r stats.Row) string {
			return fmt.Sprintf("%s of %s apps", fmtF(r.Value), fmtF(s.Total))
		})
	case stats.KindDistinct:
		return ""
	case stats.KindTimeseries:
		return seriesChart(s)
	}
	maxV := 0.0
	for _, r := range s.Rows {
		maxV = math.Max(maxV, r.Value)
	}
	return bars(s, func(r stats.Row) float64 { return r.Value }, maxV, func(r stats.Row) string {
		return fmt.Sprintf("%s (%.1f %%)", fmtF(r.Value), r.Percent)
	})
}

func fmtF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func bars(s stats.Stat, val func(stats.Row) float64, full float64, label func(stats.Row) string) template.HTML {
	rows := s.Rows
	if len(rows) > maxBars {
		rows = rows[:maxBars]
	}
	var b strings.Builder
	h := len(rows)*(barH+4) + 8
	fmt.Fprintf(&b, `<svg class="plot chart bars" data-stat="%s" width="%d" height="%d" viewBox="0 0 %d %d">`, template.HTMLEscapeString(s.ID), chartW, h, chartW, h)
	span := float64(chartW - chartLeft - 160)
	for i, r := range rows {
		y := 4 + i*(barH+4)
		w := 0.0
		if full > 0 {
			w = val(r) / full * span
		}
		fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%d" text-anchor="end">%s</text>`, chartLeft-6, y+barH-4, template.HTMLEscapeString(clip(r.Key, 34)))
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`,
			chartLeft, y, math.Max(w, 1), barH, palette[0], template.HTMLEscapeString(r.Key), template.HTMLEscapeString(label(r)))
		fmt.Fprintf(&b, `<text class="lbl" x="%.1f" y="%d">%s</text>`, float64(chartLeft)+math.Max(w, 1)+4, y+barH-4, template.HTMLEscapeString(label(r)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func pieChart(s stats.Stat) template.HTML {
	var b strings.Builder
	n := len(s.Rows)
	slices := s.Rows
	other := 0.0
	if n > len(palette) {
		slices = s.Rows[:len(palette)-1]
		for _, r := range s.Rows[len(palette)-1:] {
			other += r.Value
		}
	}
	legend := len(slices)
	if other > 0 {
		legend++
	}
	h := max(2*pieR+20, legend*18+10)
	fmt.Fprintf(&b, `<svg class="plot chart pie" data-stat="%s" width="%d" height="%d" viewBox="0 0 %d %d">`, template.HTMLEscapeString(s.ID), chartW, h, chartW, h)
	cx, cy := float64(pieR+10), float64(pieR+10)
	angle := -math.Pi / 2
	slice := func(i int, key string, v float64) {
		if s.Total <= 0 {
			return
		}
		frac := v / s.Total
		color := palette[i%len(palette)]
		title := fmt.Sprintf("%s: %s (%.1f %%)", key, fmtF(v), frac*100)
		if frac >= 0.9999 {
			fmt.Fprintf(&b, `<circle class="slice" cx="%.1f" cy="%.1f" r="%d" fill="%s"><title>%s</title></circle>`, cx, cy, pieR, color, template.HTMLEscapeString(title))
		} else if frac > 0 {
			a2 := angle + frac*2*math.Pi
			large := 0
			if frac > 0.5 {
				large = 1
			}
			fmt.Fprintf(&b, `<path class="slice" d="M%.1f,%.1f L%.2f,%.2f A%d,%d 0 %d 1 %.2f,%.2f Z" fill="%s"><title>%s</title></path>`,
				cx, cy, cx+pieR*math.Cos(angle), cy+pieR*math.Sin(angle), pieR, pieR, large, cx+pieR*math.Cos(a2), cy+pieR*math.Sin(a2),
				color, template.HTMLEscapeString(title))
			angle = a2
		}
		y := 14 + i*18
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text class="lbl" x="%d" y="%d">%s</text>`,
			2*pieR+40, y-10, color, 2*pieR+58, y, template.HTMLEscapeString(clip(title, 70)))
	}
	for i, r := range slices {
		slice(i, r.Key, r.Value)
	}
	if other > 0 {
		slice(len(slices), "others", other)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// cdfChart: cumulative percent against the value on a log axis (values
// ≤ 0 are drawn at the axis' left end).
func cdfChart(s stats.Stat) template.HTML {
	var b strings.Builder
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range s.Rows {
		v, _ := strconv.ParseFloat(r.Key, 64)
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	if hi <= lo {
		hi = lo * 10
	}
	l0, l1 := math.Log10(lo), math.Log10(hi)
	const left, right, top, bottom = 50, 20, 10, 30
	x := func(v float64) float64 {
		if v <= 0 {
			return left
		}
		return left + (math.Log10(v)-l0)/(l1-l0)*float64(chartW-left-right)
	}
	y := func(p float64) float64 { return top + (100-p)/100*float64(cdfH-top-bottom) }
	fmt.Fprintf(&b, `<svg class="plot chart cdf" data-stat="%s" width="%d" height="%d" viewBox="0 0 %d %d">`, template.HTMLEscapeString(s.ID), chartW, cdfH, chartW, cdfH)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y(0), chartW-right, y(0))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y(0), left, y(100))
	for _, p := range []float64{0, 50, 100} {
		fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%.1f" text-anchor="end">%.0f %%</text>`, left-4, y(p)+4, p)
	}
	for d := math.Floor(l0); d <= math.Ceil(l1); d++ {
		v := math.Pow(10, d)
		if v < lo/1.0001 || v > hi*1.0001 {
			continue
		}
		fmt.Fprintf(&b, `<text class="lbl" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(v), cdfH-10, fmtF(v))
	}
	var pts []string
	prev := 0.0
	for _, r := range s.Rows {
		v, _ := strconv.ParseFloat(r.Key, 64)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(v), y(prev), x(v), y(r.Percent)))
		prev = r.Percent
	}
	fmt.Fprintf(&b, `<polyline class="cdfline" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, palette[0], strings.Join(pts, " "))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// seriesChart: cumulative bytes against time since the socket's first event.
func seriesChart(s stats.Stat) template.HTML {
	var b strings.Builder
	const left, right, top, bottom = 70, 20, 10, 30
	last, _ := strconv.ParseFloat(s.Rows[len(s.Rows)-1].Key, 64)
	tmax := math.Max(last, 1)
	vmax := math.Max(s.Total, 1)
	x := func(us float64) float64 { return left + us/tmax*float64(chartW-left-right) }
	y := func(v float64) float64 { return top + (1-v/vmax)*float64(cdfH-top-bottom) }
	fmt.Fprintf(&b, `<svg class="plot chart series" data-stat="%s" width="%d" height="%d" viewBox="0 0 %d %d">`, template.HTMLEscapeString(s.ID), chartW, cdfH, chartW, cdfH)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y(0), chartW-right, y(0))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y(0), left, y(vmax))
	fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%.1f" text-anchor="end">%s B</text>`, left-4, y(vmax)+4, fmtF(s.Total))
	fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%d" text-anchor="end">%.3f s</text>`, chartW-right, cdfH-10, tmax/1e6)
	var pts []string
	prev := 0.0
	for _, r := range s.Rows {
		us, _ := strconv.ParseFloat(r.Key, 64)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(us), y(prev), x(us), y(r.Value)))
		prev = r.Value
	}
	fmt.Fprintf(&b, `<polyline class="seriesline" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, palette[0], strings.Join(pts, " "))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

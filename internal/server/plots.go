package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// socketPlots are the pictures of a process or socket page, drawn on the
// server as inline SVG (no script needed): a timeline with one track per
// socket, cumulative bytes sent and received, and tcp_info's RTT and
// congestion window.
type socketPlots struct {
	Timeline template.HTML
	Bytes    template.HTML
	TCPInfo  template.HTML
	HasInfo  bool
}

const (
	plotW   = 900
	plotH   = 220
	trackH  = 18
	bins    = 450 // timeline cells per track
	maxPts  = 1000
	padLeft = 70
)

type point struct{ t, v int64 }

// series keeps at most maxPts points: the last point of each time bin.
type series struct {
	name, color string
	pts         []point
}

var eventClass = map[string]string{
	"send": "tx", "sendto": "tx", "sendmsg": "tx", "sendmmsg": "tx", "write": "tx", "writev": "tx", "sendfile": "tx",
	"recv": "rx", "recvfrom": "rx", "recvmsg": "rx", "recvmmsg": "rx", "read": "rx", "readv": "rx",
	"socket": "life", "connect": "life", "accept": "life", "accept4": "life", "bind": "life", "listen": "life",
	"close": "life", "shutdown": "life", "forked_socket": "life", "ghost_socket": "life",
	"tcp_info": "info",
}

func (s *Server) plots(ctx context.Context, f store.EventFilter, sockets []store.Socket) (*socketPlots, error) {
	if len(sockets) == 0 {
		return &socketPlots{}, nil
	}
	t0, t1 := sockets[0].FirstUsec, sockets[0].LastUsec
	track := map[int64]int{}
	for i, k := range sockets {
		track[k.ID] = i
		if k.Events > 0 {
			t0, t1 = min(t0, k.FirstUsec), max(t1, k.LastUsec)
		}
	}
	span := max(t1-t0, 1)
	bin := func(ts int64) int { return int(min(int64(bins-1), (ts-t0)*bins/span)) }
	cells := make([][]string, len(sockets)) // track → bin → class (failures win)
	counts := make([][]int, len(sockets))
	for i := range cells {
		cells[i] = make([]string, bins)
		counts[i] = make([]int, bins)
	}
	var sent, recv int64
	sentS := &series{name: "sent", color: "#1f77b4"}
	recvS := &series{name: "received", color: "#d62728"}
	rttS := &series{name: "rtt (µs)", color: "#2ca02c"}
	cwndS := &series{name: "snd_cwnd (segments)", color: "#9467bd"}
	add := func(s *series, ts, v int64) {
		if n := len(s.pts); n > 0 && bin(s.pts[n-1].t)*maxPts/bins == bin(ts)*maxPts/bins && n > 1 {
			s.pts[n-1] = point{ts, v}
			return
		}
		s.pts = append(s.pts, point{ts, v})
	}
	var info struct {
		RTT  int64 `json:"rtt"`
		Cwnd int64 `json:"snd_cwnd"`
	}
	err := s.Store.Events(ctx, f, func(e *store.Event) error {
		i, ok := track[e.SocketID]
		if !ok {
			return nil
		}
		b := bin(e.TimestampUsec)
		cls := eventClass[e.Type]
		if cls == "" {
			cls = "other"
		}
		if !e.Success {
			cls = "fail"
		}
		if cells[i][b] != "fail" {
			cells[i][b] = cls
		}
		counts[i][b]++
		if e.Success && e.ReturnValue > 0 {
			switch cls {
			case "tx":
				sent += e.ReturnValue
				add(sentS, e.TimestampUsec, sent)
			case "rx":
				recv += e.ReturnValue
				add(recvS, e.TimestampUsec, recv)
			}
		}
		if e.Type == "tcp_info" && json.Unmarshal(e.Details, &info) == nil {
			add(rttS, e.TimestampUsec, info.RTT)
			add(cwndS, e.TimestampUsec, info.Cwnd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &socketPlots{HasInfo: len(rttS.pts) > 0}
	p.Timeline = timelineSVG(sockets, cells, counts, t0, span)
	p.Bytes = lineSVG("bytes", "cumulative bytes", t0, span, sentS, recvS)
	if p.HasInfo {
		p.TCPInfo = lineSVG("tcpinfo", "tcp_info", t0, span, rttS, cwndS)
	}
	return p, nil
}

func timelineSVG(sockets []store.Socket, cells [][]string, counts [][]int, t0, span int64) template.HTML {
	var b strings.Builder
	h := len(sockets)*trackH + 24
	n := 0
	for i := range counts {
		for _, c := range counts[i] {
			n += c
		}
	}
	fmt.Fprintf(&b, `<svg class="plot timeline" data-points="%d" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="timeline">`, n, plotW, h)
	cw := float64(plotW-padLeft) / bins
	for i, k := range sockets {
		y := i * trackH
		fmt.Fprintf(&b, `<text x="0" y="%d" class="lbl">%s #%d</text>`, y+13, template.HTMLEscapeString(shortProc(k.Process)), k.Index)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" class="track"/>`, padLeft, plotW, y+9, y+9)
		for j, cls := range cells[i] {
			if cls == "" {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" class="ev %s"><title>%s #%d: %d events (%s) at +%s</title></rect>`,
				float64(padLeft)+float64(j)*cw, y+2, max(cw, 1.5), trackH-4, cls, template.HTMLEscapeString(k.Process), k.Index, counts[i][j], cls,
				fmtOffset(int64(j)*span/bins))
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl">0</text><text x="%d" y="%d" class="lbl" text-anchor="end">+%s</text>`,
		padLeft, h-6, plotW, h-6, fmtOffset(span))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func lineSVG(class, label string, t0, span int64, ss ...*series) template.HTML {
	var b strings.Builder
	n := 0
	var vmax int64 = 1
	for _, s := range ss {
		n += len(s.pts)
		for _, p := range s.pts {
			vmax = max(vmax, p.v)
		}
	}
	fmt.Fprintf(&b, `<svg class="plot %s" data-points="%d" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s">`, class, n, plotW, plotH+30, label)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" class="axis"/><line x1="%d" x2="%d" y1="0" y2="%d" class="axis"/>`,
		padLeft, plotW, plotH, plotH, padLeft, padLeft, plotH)
	fmt.Fprintf(&b, `<text x="0" y="12" class="lbl">%d</text><text x="0" y="%d" class="lbl">0</text>`, vmax, plotH)
	for i, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		var pts strings.Builder
		for _, p := range s.pts {
			x := float64(padLeft) + float64(p.t-t0)*float64(plotW-padLeft)/float64(span)
			y := float64(plotH) - float64(p.v)*float64(plotH-4)/float64(vmax)
			fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"><title>%s</title></polyline>`, s.color, strings.TrimSpace(pts.String()), s.name)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s" class="lbl">%s (last %d)</text>`, padLeft+10+i*260, plotH+24, s.color, s.name, s.pts[len(s.pts)-1].v)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func shortProc(p string) string {
	if len(p) > 8 {
		return p[:8]
	}
	return p
}

func fmtOffset(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%d µs", us)
	case us < 1000*1000:
		return fmt.Sprintf("%.1f ms", float64(us)/1e3)
	}
	return fmt.Sprintf("%.2f s", float64(us)/1e6)
}

// Package page renders a trace summary (report.Report) as HTML: one
// self-contained page for `tcpsnitch report --html`, or the same views as a
// fragment inside another page (the collection server's). Everything the
// page needs is inside it: the styles, the plotting script (ours, no
// library, no CDN) and the data as JSON. The page makes no network request.
package page

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
)

//go:embed assets/page.css
var css string

//go:embed assets/page.js
var script string

//go:embed assets/page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// Data is what the page's script reads: the report's JSON (docs/report.md)
// plus each socket's kept events, by "process/index", as compact rows
// [time_usec, type, return_value, errno, duration_nsec, tid, line].
type Data struct {
	Report *report.Report   `json:"report"`
	Events map[string][]Row `json:"events"`
	// LongCallNsec: calls at least this long stand out on the timeline.
	LongCallNsec int64 `json:"long_call_nsec"`
}

// DefaultLongCallNsec: 10 ms.
const DefaultLongCallNsec = 10_000_000

// NewData gathers the page's data from a report built with
// report.PageOptions (a report without kept events gives empty tables).
func NewData(r *report.Report) *Data {
	d := &Data{Report: plotted(r), Events: map[string][]Row{}, LongCallNsec: DefaultLongCallNsec}
	for _, p := range r.Processes {
		for _, s := range p.Sockets {
			d.Events[SocketID(p, s)] = s.Kept
		}
	}
	return d
}

// Row is a kept event as the page's data has it: the compact array
// [time_usec, type, return_value, errno, duration_nsec, tid, line].
type Row = report.Call

// rowsJSON encodes kept events as those arrays (Data's MarshalJSON uses it).
func rowsJSON(b []byte, rows []Row) []byte {
	b = append(b, '[')
	for i, c := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, c.TimeUsec, 10)
		b = append(b, ',')
		b = appendString(b, c.Type)
		b = append(b, ',')
		b = strconv.AppendInt(b, c.Return, 10)
		b = append(b, ',')
		b = appendString(b, c.Errno)
		b = append(b, ',')
		b = strconv.AppendInt(b, c.DurationNsec, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, c.TID, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.Line), 10)
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendString writes a JSON string safe inside a <script> element.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // escapes <, > and & as \u003c…
	return append(b, q...)
}

// MarshalJSON writes Data with the events as compact rows.
func (d *Data) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	err := d.write(&b)
	return b.Bytes(), err
}

// write streams the data as JSON, safe inside a <script> element: the
// report through encoding/json, the (many) event rows straight to w.
func (d *Data) write(w io.Writer) error {
	if _, err := io.WriteString(w, `{"report":`); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // "<" in a name can never close the script element
	if err := enc.Encode(d.Report); err != nil {
		return err
	}
	b := []byte(`,"long_call_nsec":`)
	b = strconv.AppendInt(b, d.LongCallNsec, 10)
	b = append(b, `,"events":{`...)
	ids := make([]string, 0, len(d.Events))
	for id := range d.Events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, id)
		b = append(b, ':')
		b = rowsJSON(b, d.Events[id])
		if len(b) > 64<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "}}"...)
	_, err := w.Write(b)
	return err
}

// Plots is how many sockets each plot draws: the bytes plot the ones that
// moved most, the tcp_info plots the first ones sampled (page.js picks the
// same ones from what it is given).
const Plots = 10

// plotted returns a copy of r in which only the sockets the page plots
// keep their series: a trace of tens of thousands of sockets would
// otherwise fill the page with points nobody sees. r is not changed.
func plotted(r *report.Report) *report.Report {
	var all []*report.Socket
	for _, p := range r.Processes {
		all = append(all, p.Sockets...)
	}
	keepBytes, keepTCP := map[*report.Socket]bool{}, map[*report.Socket]bool{}
	var withBytes []*report.Socket
	for _, s := range all {
		if len(s.Series.Bytes) > 0 {
			withBytes = append(withBytes, s)
		}
		if len(s.Series.TCPInfo) > 0 && len(keepTCP) < Plots {
			keepTCP[s] = true
		}
	}
	sort.SliceStable(withBytes, func(i, j int) bool {
		return withBytes[i].BytesSent+withBytes[i].BytesRecv > withBytes[j].BytesSent+withBytes[j].BytesRecv
	})
	for i := 0; i < len(withBytes) && i < Plots; i++ {
		keepBytes[withBytes[i]] = true
	}
	c := *r
	c.Processes = make([]*report.Process, len(r.Processes))
	for i, p := range r.Processes {
		pc := *p
		pc.Sockets = make([]*report.Socket, len(p.Sockets))
		for j, s := range p.Sockets {
			sc := *s
			if !keepBytes[s] {
				sc.Series.Bytes = [][3]int64{}
			}
			if !keepTCP[s] {
				sc.Series.TCPInfo = [][4]int64{}
			}
			pc.Sockets[j] = &sc
		}
		c.Processes[i] = &pc
	}
	return &c
}

// SocketID names a socket in the page: "curl_000/3".
func SocketID(p *report.Process, s *report.Socket) string {
	return p.Name + "/" + strconv.Itoa(s.Index)
}

// Render writes the whole page.
func Render(w io.Writer, r *report.Report) error {
	return RenderData(w, NewData(r))
}

// RenderData writes the whole page for prepared data. The data is
// encoded straight into w: a page of tens of MB is never held as a string.
func RenderData(w io.Writer, d *Data) error {
	title := "tcpsnitch report"
	if app := d.Report.Meta["app"]; app != "" {
		title += " — " + app
	}
	var page bytes.Buffer
	const mark = "\x00body\x00"
	if err := pageTmpl.Execute(&page, map[string]any{
		"Title": title, "CSS": template.CSS(css), "Body": template.HTML(mark),
	}); err != nil {
		return err
	}
	head, tail, _ := strings.Cut(page.String(), mark)
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	if err := fragment(w, d, true); err != nil {
		return err
	}
	_, err := io.WriteString(w, tail)
	return err
}

// FragmentOptions: how a fragment is embedded.
type FragmentOptions struct {
	// External: leave out the inline <style> and <script>; the host page
	// serves CSS() and Script() as files instead (for a Content-Security-
	// Policy without 'unsafe-inline'), the script loaded after the
	// fragments. The data block is JSON, never executed.
	External bool
}

// Fragment writes the views without <html>/<head>, for embedding in
// another page: a <div class="tsr"> holding its data (and, unless
// External, its own <style> and <script>). Several fragments on one page
// are independent.
func Fragment(w io.Writer, r *report.Report, o FragmentOptions) error {
	if !o.External {
		if _, err := io.WriteString(w, "<style>"+css+"</style>\n"); err != nil {
			return err
		}
	}
	return fragment(w, NewData(r), !o.External)
}

// ProcessFragment and SocketFragment render one process of a report, or
// one socket of one of its processes, the same way.
func ProcessFragment(w io.Writer, r *report.Report, process string, o FragmentOptions) error {
	sub, err := report.Subset(r, process, -1)
	if err != nil {
		return err
	}
	return Fragment(w, sub, o)
}

func SocketFragment(w io.Writer, r *report.Report, process string, socket int, o FragmentOptions) error {
	sub, err := report.Subset(r, process, socket)
	if err != nil {
		return err
	}
	return Fragment(w, sub, o)
}

// CSS and Script are the page's assets, for a server that serves them as
// files instead of inline.
func CSS() string    { return css }
func Script() string { return script }

func fragment(w io.Writer, d *Data, inlineScript bool) error {
	if _, err := io.WriteString(w, `<div class="tsr">`+"\n"+`<script type="application/json" class="tsr-data">`); err != nil {
		return err
	}
	if err := d.write(w); err != nil {
		return err
	}
	end := "</script>\n<div class=\"tsr-root\"><noscript>This page needs JavaScript to draw its views.</noscript></div>\n"
	if inlineScript {
		end += "<script>" + script + "</script>\n"
	}
	_, err := io.WriteString(w, end+"</div>\n")
	return err
}

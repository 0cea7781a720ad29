package server

import (
	"bytes"
	"html/template"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/report/page"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// The process and socket pages draw their timeline, bytes and tcp_info
// plots and event table with the same code as `tcpsnitch report --html`
// (internal/report/page), from the trace's kept archive. A built report is
// kept for the few most recently viewed traces: an imported archive never
// changes.
const reportsKept = 4

type reportCache struct {
	mu      sync.Mutex
	entries map[int64]*reportEntry
	order   []int64 // least recently used first
}

type reportEntry struct {
	once sync.Once
	r    *report.Report
	err  error
}

func (s *Server) report(t *store.Trace) (*report.Report, error) {
	c := &s.reports
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[int64]*reportEntry{}
	}
	e := c.entries[t.ID]
	if e == nil {
		e = &reportEntry{}
		c.entries[t.ID] = e
	}
	for i, id := range c.order {
		if id == t.ID {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	c.order = append(c.order, t.ID)
	if len(c.order) > reportsKept {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.r, e.err = report.Build(filepath.Join(s.ArchiveDir, t.ArchiveFile), report.PageOptions())
		if e.r != nil {
			e.r.Source = "trace " + t.Key // not the server's file path
		}
	})
	return e.r, e.err
}

// reportFragment renders one process (socket < 0) or one socket of a trace
// as the report's HTML block, or a line saying why it cannot.
func (s *Server) reportFragment(t *store.Trace, process string, socket int) template.HTML {
	if t.Status != store.StatusImported {
		return ""
	}
	r, err := s.report(t)
	var buf bytes.Buffer
	if err == nil {
		o := page.FragmentOptions{External: true}
		if socket < 0 {
			err = page.ProcessFragment(&buf, r, process, o)
		} else {
			err = page.SocketFragment(&buf, r, process, socket, o)
		}
	}
	if err != nil {
		s.Log.Error("rendering the report block", "trace", t.ID, "process", process, "socket", socket, "err", err)
		return template.HTML(`<p class="status failed">The plots cannot be drawn: ` + template.HTMLEscapeString(err.Error()) + `</p>`)
	}
	return template.HTML(buf.String())
}

// The report block's style sheet and script, served as files (the pages
// keep no inline script).
func reportCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write([]byte(page.CSS()))
}

func reportJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write([]byte(page.Script()))
}

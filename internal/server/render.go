package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates static
var assets embed.FS

func staticFS() fs.FS {
	sub, _ := fs.Sub(assets, "static")
	return sub
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"usec": func(us int64) string {
		if us == 0 {
			return ""
		}
		return time.UnixMicro(us).UTC().Format("15:04:05.000000")
	},
	"bytes": func(n int64) string {
		switch {
		case n < 1000:
			return fmt.Sprintf("%d B", n)
		case n < 1000*1000:
			return fmt.Sprintf("%.1f kB", float64(n)/1e3)
		case n < 1000*1000*1000:
			return fmt.Sprintf("%.1f MB", float64(n)/1e6)
		}
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	},
	"str":       func(b []byte) string { return string(b) },
	"connLabel": func(c string) string { return strings.ReplaceAll(c, "_", " ") },
	"add":       func(a, b int) int { return a + b },
	"list":      func(v ...string) []string { return v },
	"num":       func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
	"pct":       func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"anchor":    func(s string) string { return "s-" + strings.Map(anchorRune, s) },
}

func anchorRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
		return r
	}
	return '-'
}

// pages: one template set per page, each the base layout plus the page.
// Parsed on first use, not at start: every run of the CLI links this
// package, and tracing a program never renders a page.
var pages = sync.OnceValue(func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, p := range []string{"list", "trace", "process", "socket", "events", "new", "error", "stats"} {
		out[p] = template.Must(template.New("base.html").Funcs(funcs).ParseFS(assets, "templates/base.html", "templates/partials.html", "templates/"+p+".html"))
	}
	return out
})

type pageData struct {
	Title   string
	Version string
	Data    any
}

// respond writes v as JSON (API) or as the page's HTML.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, page, title string, v any) {
	if wantsJSON(r) {
		writeJSON(w, status, v)
		return
	}
	var buf bytes.Buffer
	if err := pages()[page].Execute(&buf, pageData{Title: title, Version: s.Version, Data: v}); err != nil {
		s.Log.Error("rendering a page", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Everything a page uses comes from this server; scripts only from files
	// (uploaded text is escaped anyway; this is a second fence).
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorView struct {
	Status  int    `json:"status"`
	Message string `json:"error"`
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.respond(w, r, http.StatusNotFound, "error", "Not found", &errorView{http.StatusNotFound, msg})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	s.Log.Error("request failed", "path", r.URL.Path, "err", err)
	s.respond(w, r, http.StatusInternalServerError, "error", "Error", &errorView{http.StatusInternalServerError, "the server failed to answer (see its log)"})
}

type newView struct {
	Connectivities []string
	NeedToken      bool
}

func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, http.StatusOK, "new", "Upload a trace", &newView{Connectivities: Connectivities, NeedToken: s.Token != ""})
}

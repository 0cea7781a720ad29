// Package server is the collection server's HTTP side: the upload endpoint
// of the original platform (POST /app_traces), the pages (trace list, trace,
// process, socket, events browser), their JSON API, exports and downloads.
// Handlers are thin: storage is internal/store, archive checks and imports
// are internal/importer.
package server

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/importer"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	Store      store.Store
	Importer   *importer.Importer
	ArchiveDir string // kept archives, <id>.tar.gz / <id>.zip
	TmpDir     string // uploads being received (same file system as ArchiveDir)
	Limits     importer.Limits
	MaxUpload  int64  // bytes of one upload request; beyond: 413
	Token      string // "" : anyone reaching the port may upload
	Public     bool   // list traces to everyone, not only to token holders
	BaseURL    string // "" : from the request's Host
	Log        *slog.Logger
	Version    string

	reports reportCache // built reports of recently viewed traces
}

// Handler routes every URL of the server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/app_traces", http.StatusFound)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS())))
	mux.HandleFunc("GET /static/report.css", reportCSS)
	mux.HandleFunc("GET /static/report.js", reportJS)

	mux.HandleFunc("POST /app_traces", s.upload)
	mux.HandleFunc("POST /app_traces/{$}", s.upload) // the original's clients sometimes added the slash
	mux.HandleFunc("GET /app_traces/new", s.uploadForm)

	// Each page also answers JSON, under /api/ or with Accept: application/json.
	for _, prefix := range []string{"", "/api"} {
		list := "/app_traces"
		if prefix != "" {
			list = "/traces"
		}
		base := prefix + list + "/{key}"
		mux.HandleFunc("GET "+prefix+list, s.list)
		mux.HandleFunc("GET "+base, s.trace)
		mux.HandleFunc("GET "+base+"/events", s.events)
		mux.HandleFunc("GET "+base+"/processes/{proc}", s.process)
		mux.HandleFunc("GET "+base+"/processes/{proc}/sockets/{idx}", s.socket)
		mux.HandleFunc("GET "+base+"/stats", s.traceStats)
	}
	mux.HandleFunc("GET /stats", s.statsPage)
	mux.HandleFunc("GET /api/stats", s.statsPage)
	mux.HandleFunc("GET /stats.csv", s.statsCSV)
	mux.HandleFunc("POST /stats/specialised", s.flagSpecialised)
	mux.HandleFunc("GET /app_traces/{key}/events.csv", s.exportCSV)
	mux.HandleFunc("GET /app_traces/{key}/events.json", s.exportJSON)
	mux.HandleFunc("GET /app_traces/{key}/archive", s.downloadArchive)
	mux.HandleFunc("GET /app_traces/{key}/processes/{proc}/files/{name}", s.downloadFile)
	return s.logRequests(recoverPanics(mux, s.Log))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Ping(r.Context()); err != nil {
		http.Error(w, "database unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// authorized: the request carries the token (Bearer, or as the password of
// HTTP Basic auth, which is what a --server http://:TOKEN@host/ URL sends,
// or a "token" form field).
func (s *Server) authorized(r *http.Request, formToken string) bool {
	if s.Token == "" {
		return true
	}
	cands := []string{formToken}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		cands = append(cands, strings.TrimPrefix(h, "Bearer "))
	}
	if u, p, ok := r.BasicAuth(); ok {
		cands = append(cands, p, u)
	}
	for _, c := range cands {
		if c != "" && subtle.ConstantTimeCompare([]byte(c), []byte(s.Token)) == 1 {
			return true
		}
	}
	return false
}

// mayList: the trace list is for everyone only with --public; otherwise
// for token holders (everyone when there is no token).
func (s *Server) mayList(r *http.Request) bool {
	return s.Public || s.authorized(r, "")
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("X-Content-Type-Options", "nosniff") // downloads are never run as pages
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		s.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "ms", time.Since(start).Milliseconds(), "remote", r.RemoteAddr)
	})
}

func recoverPanics(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				log.Error("handler panic", "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

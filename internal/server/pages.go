package server

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

const (
	tracesPerPage = 50
	eventsPerPage = 200
	maxPageSize   = 10000 // ?limit= on the API
)

// listView is the trace list page and GET /api/traces.
type listView struct {
	Traces         []store.Trace `json:"traces"`
	Total          int64         `json:"total"`
	Page           int           `json:"page"`
	Pages          int           `json:"pages"`
	App            string        `json:"app,omitempty"`
	OS             string        `json:"os,omitempty"`
	Connectivity   string        `json:"connectivity,omitempty"`
	Search         string        `json:"q,omitempty"`
	Apps           []string      `json:"-"`
	OSes           []string      `json:"-"`
	Connectivities []string      `json:"-"`
	PrevURL        string        `json:"-"`
	NextURL        string        `json:"-"`
	Hidden         bool          `json:"hidden,omitempty"` // the list is for token holders only
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &listView{App: q.Get("app"), OS: q.Get("os"), Connectivity: q.Get("connectivity"), Search: strings.TrimSpace(q.Get("q"))}
	if !s.mayList(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="tcpsnitch traces"`)
		v.Hidden = true
		s.respond(w, r, http.StatusUnauthorized, "list", "Traces", v)
		return
	}
	v.Page = pageParam(q)
	f := store.TraceFilter{App: v.App, OS: v.OS, Connectivity: v.Connectivity, Search: v.Search,
		Offset: (v.Page - 1) * tracesPerPage, Limit: tracesPerPage}
	var err error
	if v.Traces, v.Total, err = s.Store.ListTraces(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Traces == nil {
		v.Traces = []store.Trace{}
	}
	for i := range v.Traces { // the list leaves out the long sysctl dump
		delete(v.Traces[i].Meta, "net")
	}
	v.Pages = int((v.Total + tracesPerPage - 1) / tracesPerPage)
	if !wantsJSON(r) {
		v.Apps, _ = s.Store.Distinct(r.Context(), "app")
		v.OSes, _ = s.Store.Distinct(r.Context(), "os")
		v.Connectivities, _ = s.Store.Distinct(r.Context(), "connectivity")
		v.PrevURL, v.NextURL = pageLinks(r.URL, v.Page, v.Pages)
	}
	s.respond(w, r, http.StatusOK, "list", "Traces", v)
}

// traceView is a trace's page and GET /api/traces/{key}.
type traceView struct {
	Trace       *store.Trace    `json:"trace"`
	URL         string          `json:"url"`
	Progress    int64           `json:"import_progress,omitempty"` // events written so far, while importing
	Processes   []store.Process `json:"processes"`
	Sockets     []store.Socket  `json:"sockets"`
	Files       []store.File    `json:"files"`
	EventTypes  []store.Count   `json:"event_types"`
	MetaOrder   []string        `json:"-"`
	MoreSockets int             `json:"-"` // sockets left out of the page's table (all are in the JSON)
}

// socketsShown bounds the socket tables of the HTML pages: a trace of tens of
// thousands of short connections would make a page nobody reads.
const socketsShown = 1000

func (s *Server) trace(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := &traceView{Trace: t, URL: s.baseURL(r) + "/app_traces/" + t.Key, MetaOrder: store.MetaNames}
	if n, ok := s.Importer.Progress(t.ID); ok {
		v.Progress = n
	}
	var err error
	limit := 0
	if !wantsJSON(r) {
		limit = socketsShown
	}
	if v.Processes, err = s.Store.Processes(ctx, t.ID); err == nil {
		if v.Sockets, err = s.Store.Sockets(ctx, t.ID, 0, limit); err == nil {
			if v.Files, err = s.Store.Files(ctx, t.ID); err == nil {
				v.EventTypes, err = s.Store.EventTypes(ctx, t.ID)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !wantsJSON(r) && len(v.Sockets) == socketsShown {
		n, _ := s.Store.CountSockets(ctx, t.ID, 0)
		v.MoreSockets = int(n) - len(v.Sockets)
	}
	s.respond(w, r, http.StatusOK, "trace", t.M("app")+" trace", v)
}

// processView is a process's page.
type processView struct {
	Trace       *store.Trace   `json:"-"`
	TraceID     string         `json:"trace"`
	Process     *store.Process `json:"process"`
	Sockets     []store.Socket `json:"sockets"`
	Files       []store.File   `json:"files"`
	Report      template.HTML  `json:"-"` // the report's block: timeline, plots, event table
	MoreSockets int            `json:"-"`
}

func (s *Server) process(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	p, ok := s.findProcess(w, r, t)
	if !ok {
		return
	}
	v := &processView{Trace: t, TraceID: t.Key, Process: p}
	limit := 0
	if !wantsJSON(r) {
		limit = socketsShown
	}
	var err error
	if v.Sockets, err = s.Store.Sockets(r.Context(), t.ID, p.ID, limit); err == nil {
		var files []store.File
		files, err = s.Store.Files(r.Context(), t.ID)
		for _, f := range files {
			if f.Process == p.Name {
				v.Files = append(v.Files, f)
			}
		}
	}
	if err == nil && !wantsJSON(r) {
		v.Report = s.reportFragment(t, p.Name, -1)
		v.MoreSockets = int(p.Sockets) - len(v.Sockets)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, "process", p.Name, v)
}

// eventJSON is an event as the API gives it: the trace's own fields and
// details, plus where it belongs.
type eventJSON struct {
	store.Event
	Details json.RawMessage `json:"details"`
}

func toJSON(e *store.Event) eventJSON {
	return eventJSON{Event: *e, Details: json.RawMessage(e.Details)}
}

// socketView is a socket's page: its summary, plots and events, paged.
type socketView struct {
	Trace   *store.Trace   `json:"-"`
	TraceID string         `json:"trace"`
	Process *store.Process `json:"-"`
	Socket  *store.Socket  `json:"socket"`
	Page    int            `json:"page"`
	Pages   int            `json:"pages"`
	Limit   int            `json:"limit"`
	Events  []eventJSON    `json:"events"`
	Report  template.HTML  `json:"-"`
	PrevURL string         `json:"-"`
	NextURL string         `json:"-"`
}

func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	p, ok := s.findProcess(w, r, t)
	if !ok {
		return
	}
	idx, err := strconv.Atoi(r.PathValue("idx"))
	k, err2 := s.Store.Socket(r.Context(), p.ID, idx)
	if err != nil || errors.Is(err2, store.ErrNotFound) {
		s.notFound(w, r, "no socket "+r.PathValue("idx")+" in process "+p.Name)
		return
	} else if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	q := r.URL.Query()
	v := &socketView{Trace: t, TraceID: t.Key, Process: p, Socket: k, Page: pageParam(q), Limit: limitParam(q)}
	v.Pages = int((k.Events + int64(v.Limit) - 1) / int64(v.Limit))
	f := store.EventFilter{TraceID: t.ID, SocketID: k.ID, Offset: (v.Page - 1) * v.Limit, Limit: v.Limit}
	v.Events = []eventJSON{}
	err = s.Store.Events(r.Context(), f, func(e *store.Event) error {
		v.Events = append(v.Events, toJSON(e))
		return nil
	})
	if err == nil && !wantsJSON(r) {
		v.Report = s.reportFragment(t, p.Name, k.Index)
		v.PrevURL, v.NextURL = pageLinks(r.URL, v.Page, v.Pages)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, "socket", p.Name+" socket "+strconv.Itoa(k.Index), v)
}

// eventsView is the events browser: a trace's events filtered by type,
// failure, process and socket.
type eventsView struct {
	Trace     *store.Trace    `json:"-"`
	TraceID   string          `json:"trace"`
	Type      string          `json:"type,omitempty"`
	Failed    bool            `json:"failed,omitempty"`
	Process   string          `json:"process,omitempty"`
	Socket    string          `json:"socket,omitempty"`
	Total     int64           `json:"total"`
	Page      int             `json:"page"`
	Pages     int             `json:"pages"`
	Limit     int             `json:"limit"`
	Events    []eventJSON     `json:"events"`
	Types     []store.Count   `json:"-"`
	Processes []store.Process `json:"-"`
	Query     string          `json:"-"` // the filter, for the export links
	PrevURL   string          `json:"-"`
	NextURL   string          `json:"-"`
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	f, v, ok := s.eventFilter(w, r, t)
	if !ok {
		return
	}
	var err error
	if v.Total, err = s.Store.CountEvents(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Pages = int((v.Total + int64(v.Limit) - 1) / int64(v.Limit))
	v.Events = []eventJSON{}
	err = s.Store.Events(r.Context(), f, func(e *store.Event) error {
		v.Events = append(v.Events, toJSON(e))
		return nil
	})
	if err == nil && !wantsJSON(r) {
		v.Types, err = s.Store.EventTypes(r.Context(), t.ID)
		if err == nil {
			v.Processes, err = s.Store.Processes(r.Context(), t.ID)
		}
		v.PrevURL, v.NextURL = pageLinks(r.URL, v.Page, v.Pages)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, "events", t.M("app")+" events", v)
}

// eventFilter reads ?type= &failed=1 &process= &socket= &page= &limit=.
func (s *Server) eventFilter(w http.ResponseWriter, r *http.Request, t *store.Trace) (store.EventFilter, *eventsView, bool) {
	q := r.URL.Query()
	v := &eventsView{Trace: t, TraceID: t.Key, Type: q.Get("type"), Process: q.Get("process"), Socket: q.Get("socket"),
		Page: pageParam(q), Limit: limitParam(q)}
	v.Failed = q.Get("failed") == "1" || q.Get("failed") == "true"
	f := store.EventFilter{TraceID: t.ID, Type: v.Type, FailedOnly: v.Failed, Offset: (v.Page - 1) * v.Limit, Limit: v.Limit}
	if v.Process != "" {
		p, err := s.Store.Process(r.Context(), t.ID, v.Process)
		if err != nil {
			s.notFound(w, r, "no process "+v.Process+" in this trace")
			return f, nil, false
		}
		f.ProcessID = p.ID
		if v.Socket != "" {
			idx, err := strconv.Atoi(v.Socket)
			k, err2 := s.Store.Socket(r.Context(), p.ID, idx)
			if err != nil || err2 != nil {
				s.notFound(w, r, "no socket "+v.Socket+" in process "+v.Process)
				return f, nil, false
			}
			f.SocketID = k.ID
		}
	}
	keep := url.Values{}
	for _, k := range []string{"type", "failed", "process", "socket"} {
		if q.Get(k) != "" {
			keep.Set(k, q.Get(k))
		}
	}
	v.Query = keep.Encode()
	return f, v, true
}

func (s *Server) findTrace(w http.ResponseWriter, r *http.Request) (*store.Trace, bool) {
	t, err := s.Store.TraceByKey(r.Context(), r.PathValue("key"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "no trace "+r.PathValue("key")+" on this server")
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return t, true
}

func (s *Server) findProcess(w http.ResponseWriter, r *http.Request, t *store.Trace) (*store.Process, bool) {
	p, err := s.Store.Process(r.Context(), t.ID, r.PathValue("proc"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "no process "+r.PathValue("proc")+" in this trace")
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return p, true
}

func pageParam(q url.Values) int {
	p, err := strconv.Atoi(q.Get("page"))
	if err != nil || p < 1 {
		return 1
	}
	return p
}

func limitParam(q url.Values) int {
	l, err := strconv.Atoi(q.Get("limit"))
	if err != nil || l < 1 {
		return eventsPerPage
	}
	return min(l, maxPageSize)
}

func pageLinks(u *url.URL, page, pages int) (prev, next string) {
	link := func(p int) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		return u.Path + "?" + q.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}

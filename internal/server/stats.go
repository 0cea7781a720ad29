package server

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// The dataset's socket-API statistics (docs/stats.md): combined from the
// per-trace aggregates the importer stores, for the filter in the query
// (os, proto, family, remote, connectivity, app, from, to).

type statsView struct {
	Filter      stats.Filter     `json:"filter"`
	Traces      int              `json:"traces"` // traces with an aggregate (all, before the filter)
	Specialised []string         `json:"specialised"`
	Result      stats.Result     `json:"result"`
	Sections    []statsSection   `json:"-"`
	Options     statsOptions     `json:"-"`
	NeedToken   bool             `json:"-"`
	CSVURL      string           `json:"-"`
	Apps        []specialisedApp `json:"-"`
	Dataset     bool             `json:"-"`
	// one trace's statistics: its key, app and processes (for links)
	TraceKey  string   `json:"-"`
	App       string   `json:"-"`
	Processes []string `json:"-"`
}

type statsSection struct {
	Category string
	Stats    []statView
}

type statView struct {
	stats.Stat
	Chart template.HTML
}

type specialisedApp struct {
	App         string
	Specialised bool
}

type statsOptions struct {
	OSes, Apps, Connectivities []string
}

func filterFrom(q url.Values) stats.Filter {
	return stats.Filter{OS: q.Get("os"), Proto: q.Get("proto"), Family: q.Get("family"), Remote: q.Get("remote"),
		Connectivity: q.Get("connectivity"), App: q.Get("app"), From: q.Get("from"), To: q.Get("to")}
}

// datasetStats loads every stored aggregate and combines them.
func (s *Server) datasetStats(r *http.Request, f stats.Filter) (*statsView, error) {
	ctx := r.Context()
	spec, err := s.Store.Specialised(ctx)
	if err != nil {
		return nil, err
	}
	var traces []*stats.Trace
	err = s.Store.EachTraceStats(ctx, func(id int64, agg []byte) error {
		var t stats.Trace
		if err := json.Unmarshal(agg, &t); err != nil {
			return fmt.Errorf("trace %d: stored statistics unreadable: %w", id, err)
		}
		traces = append(traces, &t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := &statsView{Filter: f, Traces: len(traces),
		Result: stats.Result{Scope: stats.ScopeDataset, Name: "dataset", Stats: stats.Compute(stats.Combine(traces, spec, f), stats.ScopeDataset)}}
	for app := range spec {
		v.Specialised = append(v.Specialised, app)
	}
	sort.Strings(v.Specialised)
	return v, nil
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayList(r) {
		s.respond(w, r, http.StatusUnauthorized, "error", "Token needed", &errorView{http.StatusUnauthorized,
			"this server shows its statistics to token holders only (or start it with --public)"})
		return
	}
	f := filterFrom(r.URL.Query())
	if err := f.Check(); err != nil {
		s.respond(w, r, http.StatusBadRequest, "error", "Bad filter", &errorView{http.StatusBadRequest, err.Error()})
		return
	}
	v, err := s.datasetStats(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !wantsJSON(r) {
		if err := s.statsPageParts(r, v); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.respond(w, r, http.StatusOK, "stats", "Statistics", v)
}

// statsPageParts adds what only the page needs: charts by section, the
// filter choices, the apps and their flags.
func (s *Server) statsPageParts(r *http.Request, v *statsView) error {
	ctx := r.Context()
	v.Dataset = true
	v.sections()
	var err error
	if v.Options.OSes, err = s.Store.Distinct(ctx, "os"); err != nil {
		return err
	}
	if v.Options.Apps, err = s.Store.Distinct(ctx, "app"); err != nil {
		return err
	}
	v.Options.Connectivities = Connectivities
	spec := map[string]bool{}
	for _, a := range v.Specialised {
		spec[a] = true
	}
	for _, a := range v.Options.Apps {
		v.Apps = append(v.Apps, specialisedApp{App: a, Specialised: spec[a]})
	}
	v.NeedToken = s.Token != ""
	q := r.URL.Query()
	v.CSVURL = "/stats.csv"
	if enc := q.Encode(); enc != "" {
		v.CSVURL += "?" + enc
	}
	return nil
}

func (s *Server) statsCSV(w http.ResponseWriter, r *http.Request) {
	if !s.mayList(r) {
		http.Error(w, "this server shows its statistics to token holders only", http.StatusUnauthorized)
		return
	}
	f := filterFrom(r.URL.Query())
	if err := f.Check(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	v, err := s.datasetStats(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tcpsnitch-stats.csv"`)
	stats.WriteCSV(w, []stats.Result{v.Result})
}

// flagSpecialised (POST, token): app=<name>, specialised=1 or 0. A
// network-specialised app (browser, network tool) counts only in the
// global segment.
func (s *Server) flagSpecialised(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	if s.Token == "" || !s.authorized(r, r.PostForm.Get("token")) {
		// without a token configured nobody is an admin: flags change what
		// everyone's statistics say
		msg := "flagging an app needs the server's token"
		if s.Token == "" {
			msg = "flagging an app needs a server started with --token"
		}
		http.Error(w, msg, http.StatusUnauthorized)
		return
	}
	app := r.PostForm.Get("app")
	on := r.PostForm.Get("specialised")
	if app == "" || (on != "1" && on != "0") {
		http.Error(w, "want app=<name> and specialised=1 or 0", http.StatusBadRequest)
		return
	}
	if err := s.Store.SetSpecialised(r.Context(), app, on == "1"); err != nil {
		s.fail(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"app": app, "specialised": on == "1"})
		return
	}
	http.Redirect(w, r, "/stats", http.StatusSeeOther)
}

// traceStats: the statistics of one trace (GET /app_traces/{key}/stats),
// of one of its processes (?process=curl_000) or sockets (&socket=3), as
// the original showed them on every trace, process and socket page:
// computed from the kept archive in one streaming pass.
func (s *Server) traceStats(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	if t.Status != store.StatusImported {
		s.respond(w, r, http.StatusConflict, "error", "Not imported", &errorView{http.StatusConflict, "the trace is " + t.Status + ": its statistics come once it is imported"})
		return
	}
	q := r.URL.Query()
	proc, sockArg := q.Get("process"), q.Get("socket")
	info := stats.TraceInfo{ID: t.Key, App: t.M("app"), OS: t.M("os"), Connectivity: t.Connectivity}
	acc, _, err := stats.ReadTrace(filepath.Join(s.ArchiveDir, t.ArchiveFile), info, sockArg != "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &statsView{Traces: 1, TraceKey: t.Key, App: t.M("app")}
	switch {
	case proc == "" && sockArg == "":
		v.Result = stats.Result{Scope: stats.ScopeTrace, Name: t.M("app"), Stats: stats.Compute(acc.Trace().Total(), stats.ScopeTrace)}
		for name := range acc.Processes() {
			v.Processes = append(v.Processes, name)
		}
		sort.Strings(v.Processes)
	case sockArg == "":
		a := acc.Process(proc)
		if a == nil {
			s.notFound(w, r, "no process "+proc+" with sockets in this trace")
			return
		}
		v.Result = stats.Result{Scope: stats.ScopeProcess, Name: proc, Stats: stats.Compute(a, stats.ScopeProcess)}
	default:
		idx, err := strconv.Atoi(sockArg)
		k := acc.Socket(stats.SocketKey{Process: proc, Index: idx})
		if err != nil || k == nil {
			s.notFound(w, r, "no socket "+sockArg+" in process "+proc+" of this trace")
			return
		}
		st := append(stats.Compute(k.Agg, stats.ScopeSocket), stats.SocketSeries(k, 500)...)
		v.Result = stats.Result{Scope: stats.ScopeSocket, Name: proc + "/" + sockArg, Stats: st}
	}
	if !wantsJSON(r) {
		v.sections()
		v.CSVURL = ""
	}
	s.respond(w, r, http.StatusOK, "stats", "Statistics of "+v.Result.Name, v)
}

func (v *statsView) sections() {
	var cur *statsSection
	for _, st := range v.Result.Stats {
		if cur == nil || cur.Category != st.Category {
			v.Sections = append(v.Sections, statsSection{Category: st.Category})
			cur = &v.Sections[len(v.Sections)-1]
		}
		cur.Stats = append(cur.Stats, statView{Stat: st, Chart: chart(st)})
	}
}

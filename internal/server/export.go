package server

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// exportCSV streams the events the browser's filter selects (all pages),
// one row each, details as a JSON column.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	t, f, ok := s.exportStart(w, r, "text/csv; charset=utf-8", "csv")
	if !ok {
		return
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"process", "socket", "seq", "type", "timestamp_usec", "return_value", "success", "errno", "thread_id", "fake_call", "details"})
	rec := make([]string, 11)
	err := s.Store.Events(r.Context(), f, func(e *store.Event) error {
		rec[0], rec[1], rec[2], rec[3] = e.Process, strconv.Itoa(e.Socket), strconv.Itoa(e.Seq), e.Type
		rec[4], rec[5] = strconv.FormatInt(e.TimestampUsec, 10), strconv.FormatInt(e.ReturnValue, 10)
		rec[6], rec[7], rec[8] = strconv.FormatBool(e.Success), e.Errno, strconv.FormatInt(e.ThreadID, 10)
		rec[9], rec[10] = strconv.FormatBool(e.FakeCall), string(e.Details)
		return cw.Write(rec)
	})
	cw.Flush()
	bw.Flush()
	if err != nil {
		s.Log.Error("CSV export cut short", "trace", t.ID, "err", err)
	}
}

// exportJSON streams the selected events as JSON lines, in the trace's own
// event format plus "process", "socket" and "seq".
func (s *Server) exportJSON(w http.ResponseWriter, r *http.Request) {
	t, f, ok := s.exportStart(w, r, "application/x-ndjson", "jsonl")
	if !ok {
		return
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := s.Store.Events(r.Context(), f, func(e *store.Event) error { return enc.Encode(toJSON(e)) })
	bw.Flush()
	if err != nil {
		s.Log.Error("JSON export cut short", "trace", t.ID, "err", err)
	}
}

// exportStart finds the trace and the browser's filter (every page of it)
// and sets the headers of a download named <app>-<key>-events.<ext>.
func (s *Server) exportStart(w http.ResponseWriter, r *http.Request, contentType, ext string) (*store.Trace, store.EventFilter, bool) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return nil, store.EventFilter{}, false
	}
	f, _, ok := s.eventFilter(w, r, t)
	if !ok {
		return nil, store.EventFilter{}, false
	}
	f.Offset, f.Limit = 0, 0
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeName(t.M("app"))+"-"+t.Key+`-events.`+ext+`"`)
	return t, f, true
}

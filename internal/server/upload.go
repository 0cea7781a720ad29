package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tcpsnitch/tcpsnitch/internal/importer"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// Connectivities accepted in app_trace[connectivity]: the original
// server's five, plus ethernet (its own client offered it) and unknown.
var Connectivities = []string{"wifi", "lte", "wifi_shutdown_to_lte", "wifi_loss_to_lte", "wifi_rate_limited", "ethernet", "unknown"}

const maxField = 64 << 10 // bytes of a text field (workload, comments)

// uploadError is a refused upload: the status and what to tell the client.
type uploadError struct {
	status int
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

func badUpload(status int, format string, a ...any) *uploadError {
	return &uploadError{status: status, msg: fmt.Sprintf(format, a...)}
}

// upload is the original platform's POST /app_traces: a multipart form with
// app_trace[archive] and optional app_trace[workload], [comments],
// [connectivity]. It answers the original's text, with real status codes
// (201, 400, 401, 413, 415, 500), JSON when asked, and a redirect to the
// trace for a browser's form.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	t, err := s.receive(w, r)
	if err != nil {
		var ue *uploadError
		if !errors.As(err, &ue) {
			s.Log.Error("upload failed", "err", err)
			ue = &uploadError{status: http.StatusInternalServerError, msg: "the server could not store the trace (see its log)"}
		} else {
			s.Log.Warn("upload refused", "status", ue.status, "reason", ue.msg, "remote", r.RemoteAddr)
		}
		if ue.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="tcpsnitch upload"`)
		}
		if wantsJSON(r) {
			writeJSON(w, ue.status, map[string]string{"error": ue.msg})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(ue.status)
		fmt.Fprintf(w, "Failed to upload trace: %s.\n", strings.TrimSuffix(ue.msg, "."))
		return
	}
	s.Importer.Wake()
	url := s.baseURL(r) + "/app_traces/" + t.Key
	s.Log.Info("trace uploaded", "trace", t.ID, "key", t.Key, "app", t.M("app"), "bytes", t.ArchiveSize)
	w.Header().Set("Location", url)
	switch {
	case wantsJSON(r):
		writeJSON(w, http.StatusCreated, map[string]any{"id": t.Key, "url": url, "status": t.Status})
	case prefersHTML(r):
		http.Redirect(w, r, url, http.StatusSeeOther)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "Trace successfully uploaded at %s.\nTrace archive will be imported shortly. Refresh this page in a few minutes...\n", url)
	}
}

// receive streams the form to a temporary file, checks the archive and
// records the trace.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*store.Trace, error) {
	if r.ContentLength > s.MaxUpload {
		return nil, badUpload(http.StatusRequestEntityTooLarge, "the upload is %d bytes, more than this server's limit of %d (--max-upload)", r.ContentLength, s.MaxUpload)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, badUpload(http.StatusUnsupportedMediaType, "send a multipart/form-data form with the archive in app_trace[archive] (got Content-Type %q)", mt)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badUpload(http.StatusBadRequest, "the multipart form cannot be read: %v", err)
	}
	t := &store.Trace{}
	var tmp string
	defer func() {
		if tmp != "" {
			os.Remove(tmp) // still set: the archive was not kept
		}
	}()
	formToken := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := part.FormName()
		switch name {
		case "app_trace[archive]":
			if tmp != "" {
				return nil, badUpload(http.StatusBadRequest, "app_trace[archive] is given twice")
			}
			tmp, t.ArchiveSize, err = s.saveTemp(part)
			if err != nil {
				return nil, err
			}
		case "app_trace[workload]", "app_trace[comments]", "app_trace[connectivity]", "token", "app_trace[token]":
			v, err := readField(part, name)
			if err != nil {
				return nil, err
			}
			switch name {
			case "app_trace[workload]":
				t.Workload = v
			case "app_trace[comments]":
				t.Comments = v
			case "app_trace[connectivity]":
				t.Connectivity = v
			default:
				formToken = v
			}
		}
		part.Close()
	}
	if !s.authorized(r, formToken) {
		return nil, badUpload(http.StatusUnauthorized, "this server needs an upload token (upload with --server http://:TOKEN@host:port/, an Authorization: Bearer TOKEN header or a token field)")
	}
	if tmp == "" {
		return nil, badUpload(http.StatusBadRequest, "the form has no app_trace[archive] file (the trace archive, .tar.gz or .zip)")
	}
	t.Connectivity = strings.ToLower(strings.TrimSpace(t.Connectivity))
	if t.Connectivity != "" && !validConnectivity(t.Connectivity) {
		return nil, badUpload(http.StatusBadRequest, "app_trace[connectivity] %q is not one of %s", t.Connectivity, strings.Join(Connectivities, ", "))
	}
	checked, err := importer.Check(tmp, s.Limits)
	if err != nil {
		var rj *importer.Rejection
		if errors.As(err, &rj) {
			return nil, badUpload(rj.Status, "%s", rj.Msg)
		}
		return nil, err
	}
	t.Meta, t.ArchiveRoot = checked.Meta, checked.Root
	ext := ".tar.gz"
	if checked.Format == importer.FormatZip {
		ext = ".zip"
	}
	err = s.Store.CreateTrace(r.Context(), t, func(id int64) (string, error) {
		name := strconv.FormatInt(id, 10) + ext
		if err := os.Rename(tmp, filepath.Join(s.ArchiveDir, name)); err != nil {
			return "", err
		}
		tmp = ""
		return name, nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// saveTemp copies the archive part to a new file under TmpDir.
func (s *Server) saveTemp(part io.Reader) (string, int64, error) {
	f, err := os.CreateTemp(s.TmpDir, "upload-*")
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, bodyError(err)
	}
	return f.Name(), n, nil
}

func readField(part io.Reader, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxField+1))
	if err != nil {
		return "", bodyError(err)
	}
	if len(b) > maxField {
		return "", badUpload(http.StatusRequestEntityTooLarge, "%s is longer than %d bytes", name, maxField)
	}
	if !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		return "", badUpload(http.StatusBadRequest, "%s is not UTF-8 text", name)
	}
	return strings.TrimSpace(string(b)), nil
}

// bodyError turns a failure to read the request into the client's error.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return badUpload(http.StatusRequestEntityTooLarge, "the upload is larger than this server's limit of %d bytes (--max-upload)", mbe.Limit)
	}
	var ue *uploadError
	if errors.As(err, &ue) {
		return ue
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "multipart") {
		return badUpload(http.StatusBadRequest, "the multipart form is truncated or malformed: %v", err)
	}
	return err
}

func validConnectivity(c string) bool {
	for _, v := range Connectivities {
		if v == c {
			return true
		}
	}
	return false
}

func (s *Server) baseURL(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// wantsJSON: an /api/ URL, or Accept naming application/json before any
// text or HTML type.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	return firstAccepted(r) == "application/json"
}

func prefersHTML(r *http.Request) bool { return firstAccepted(r) == "text/html" }

func firstAccepted(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch mt = strings.TrimSpace(mt); mt {
		case "application/json", "text/html", "text/plain", "*/*":
			return mt
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

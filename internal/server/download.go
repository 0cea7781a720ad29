package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/internal/importer"
)

// downloadArchive sends the archive as it was uploaded.
func (s *Server) downloadArchive(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	f, err := os.Open(filepath.Join(s.ArchiveDir, t.ArchiveFile))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	ext := filepath.Ext(t.ArchiveFile)
	if ext == ".gz" {
		ext = ".tar.gz"
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeName(t.M("app"))+"-"+t.Key+ext+`"`)
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", t.UploadedAt, f)
}

var errFound = errors.New("found")

// downloadFile sends one member (logs.txt, N.pcap) of a process, read from
// the kept archive: nothing extracted is kept on disk.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	t, ok := s.findTrace(w, r)
	if !ok {
		return
	}
	files, err := s.Store.Files(r.Context(), t.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	proc, name := r.PathValue("proc"), r.PathValue("name")
	member := ""
	var size int64
	for _, f := range files {
		if f.Process == proc && f.Name == name {
			member, size = f.Member, f.Size
		}
	}
	if member == "" {
		s.notFound(w, r, "no file "+name+" in process "+proc)
		return
	}
	file := filepath.Join(s.ArchiveDir, t.ArchiveFile)
	format, err := importer.Sniff(file)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctype := "application/vnd.tcpdump.pcap"
	if filepath.Ext(name) == ".txt" {
		ctype = "text/plain; charset=utf-8"
	}
	err = importer.Walk(file, format, s.Limits, func(m *importer.Member) error {
		if m.Name != member {
			return nil
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeName(proc+"-"+name)+`"`)
		io.Copy(w, m.R)
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		s.fail(w, r, err)
	}
}

// safeName keeps a file name to characters that need no quoting.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "trace"
	}
	return string(b)
}

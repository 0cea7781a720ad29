package cli

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A real trace, uploaded to a local collection server: the fields are the
// original's and the archive holds exactly the files of the trace dir.
func TestUploadRealTrace(t *testing.T) {
	type upload struct {
		fields  map[string]string
		members map[string]string
	}
	got := make(chan upload, 2)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/app_traces" || r.ParseMultipartForm(32<<20) != nil {
			http.Error(w, "bad request", 400)
			return
		}
		u := upload{fields: map[string]string{}, members: map[string]string{}}
		for k, v := range r.MultipartForm.Value {
			u.fields[k] = v[0]
		}
		f, _, err := r.FormFile("app_trace[archive]")
		if err == nil {
			gz, _ := gzip.NewReader(f)
			tr := tar.NewReader(gz)
			for h, err := tr.Next(); err == nil; h, err = tr.Next() {
				b, _ := io.ReadAll(tr)
				u.members[h.Name] = string(b)
			}
		}
		got <- u
		w.Header().Set("Location", "/app_traces/7")
		w.WriteHeader(http.StatusCreated)
	}))
	defer collector.Close()

	srv := newServer(t, 2000)
	dir := t.TempDir()
	r := tcpsnitch(t, "a page fetch\nethernet\n", "-p", "-d", dir, "--server", collector.URL, tool("client"), srv.port)
	if r.code != 0 || !strings.Contains(r.errOut, "Trace uploaded: "+collector.URL+"/app_traces/7\n") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	u := <-got
	if u.fields["app_trace[workload]"] != "a page fetch" || u.fields["app_trace[connectivity]"] != "ethernet" {
		t.Fatalf("fields %v", u.fields)
	}
	// Every file of the trace dir (but the archive) is in the archive, same bytes.
	n := 0
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() == "archive.tar.gz" {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		want, _ := os.ReadFile(path)
		if u.members["./"+rel] != string(want) {
			t.Errorf("archive member ./%s differs from the trace file", rel)
		}
		n++
		return nil
	})
	if n < 14 || u.members["./client_000/0.json"] == "" { // 13 meta files + at least one socket
		t.Fatalf("archive has %d files, members %d", n, len(u.members))
	}
}

func TestNoServerConfigured(t *testing.T) {
	srv := newServer(t, 100)
	r := tcpsnitch(t, "", "-d", t.TempDir(), tool("client"), srv.port)
	if r.code != 0 || !strings.Contains(r.errOut, "Trace not uploaded: no server configured") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}

package upload

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// received is what the test server saw in one request.
type received struct {
	fields  map[string]string
	members map[string]string // archive member name -> content
	file    string            // file name of the archive part
}

// collector is a collection server: it records each upload and answers
// with the next canned status (the last one repeats).
type collector struct {
	mu       sync.Mutex
	got      []received
	statuses []int
	answer   func(w http.ResponseWriter)
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/app_traces" {
		http.Error(w, "wrong endpoint "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	rec := received{fields: map[string]string{}, members: map[string]string{}}
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for k, v := range r.MultipartForm.Value {
		rec.fields[k] = v[0]
	}
	if fh := r.MultipartForm.File["app_trace[archive]"]; len(fh) == 1 {
		rec.file = fh[0].Filename
		f, _ := fh[0].Open()
		gz, err := gzip.NewReader(f)
		if err == nil {
			tr := tar.NewReader(gz)
			for h, err := tr.Next(); err == nil; h, err = tr.Next() {
				b, _ := io.ReadAll(tr)
				rec.members[h.Name] = string(b)
			}
		}
	}
	c.mu.Lock()
	c.got = append(c.got, rec)
	status := c.statuses[min(len(c.got), len(c.statuses))-1]
	c.mu.Unlock()
	if status != http.StatusOK {
		http.Error(w, "trace rejected: bad archive", status)
		return
	}
	c.answer(w)
}

func newServer(t *testing.T, statuses ...int) (*collector, string) {
	c := &collector{statuses: statuses, answer: func(w http.ResponseWriter) {
		w.Header().Set("Location", "/app_traces/42")
		w.WriteHeader(http.StatusCreated)
	}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func traceDir(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "meta"), 0o755)
	os.MkdirAll(filepath.Join(dir, "curl_000"), 0o755)
	os.WriteFile(filepath.Join(dir, "meta", "app"), []byte("curl\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "curl_000", "0.json"), []byte("{\"type\": \"socket\"}\n"), 0o644)
	return dir
}

func TestUploadSendsTheArchiveAndPrintsTheURL(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	dir := traceDir(t)
	s, _, out, errOut := cliio.Test()
	if err := Run(context.Background(), Options{TraceDir: dir, Server: url}, s); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 1 {
		t.Fatalf("server got %d uploads", len(c.got))
	}
	got := c.got[0]
	if got.file != "archive.tar.gz" || len(got.fields) != 0 {
		t.Fatalf("file %q fields %v", got.file, got.fields)
	}
	if got.members["./meta/app"] != "curl\n" || got.members["./curl_000/0.json"] != "{\"type\": \"socket\"}\n" {
		t.Fatalf("archive content: %v", got.members)
	}
	if !strings.Contains(errOut.String(), "Trace uploaded: "+url+"/app_traces/42\n") {
		t.Fatalf("stderr: %q", errOut.String())
	}
	if out.Len() != 0 {
		t.Fatalf("upload wrote to stdout: %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "archive.tar.gz")); err != nil {
		t.Fatal("archive not kept in the trace dir")
	}
}

func TestPromptSendsWorkloadAndConnectivity(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	s, in, _, errOut := cliio.Test()
	in.WriteString("fetched the index page\nsatellite\nWiFi\n")
	if err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url, Prompt: true}, s); err != nil {
		t.Fatal(err)
	}
	f := c.got[0].fields
	if f["app_trace[workload]"] != "fetched the index page" || f["app_trace[connectivity]"] != "wifi" {
		t.Fatalf("fields %v", f)
	}
	if !strings.Contains(errOut.String(), `Invalid connectivity "satellite"`) {
		t.Fatalf("invalid answer not reported: %q", errOut.String())
	}
}

func TestPromptWithClosedStdinFails(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	s, in, _, _ := cliio.Test()
	in.WriteString("workload only\n")
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url, Prompt: true}, s)
	if err == nil || !strings.Contains(err.Error(), "no connectivity") || len(c.got) != 0 {
		t.Fatalf("err %v, uploads %d", err, len(c.got))
	}
}

func TestNoServerIsNotAnError(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	dir := traceDir(t)
	s, _, _, errOut := cliio.Test()
	if err := Run(context.Background(), Options{TraceDir: dir}, s); err != nil {
		t.Fatal(err)
	}
	msg := errOut.String()
	if !strings.Contains(msg, "not uploaded") || !strings.Contains(msg, "/cfg/tcpsnitch/config.yaml") ||
		!strings.Contains(msg, "--server") || strings.Count(msg, "\n") != 1 {
		t.Fatalf("message: %q", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "archive.tar.gz")); err == nil {
		t.Fatal("archive built although nothing is uploaded")
	}
}

func TestNoUploadIsSilent(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	s, _, out, errOut := cliio.Test()
	if err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url, NoUpload: true}, s); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 0 || out.Len()+errOut.Len() != 0 {
		t.Fatalf("uploads %d, output %q %q", len(c.got), out, errOut)
	}
}

func TestServerErrorIsRetriedOnce(t *testing.T) {
	c, url := newServer(t, http.StatusInternalServerError, http.StatusOK)
	s, _, _, errOut := cliio.Test()
	if err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url}, s); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || !strings.Contains(errOut.String(), "retrying once") {
		t.Fatalf("uploads %d, stderr %q", len(c.got), errOut)
	}
}

func TestServerErrorTwiceFails(t *testing.T) {
	c, url := newServer(t, http.StatusBadGateway)
	s, _, _, _ := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url}, s)
	var ue *Error
	if !errors.As(err, &ue) || len(c.got) != 2 || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err %v, uploads %d", err, len(c.got))
	}
}

func TestRejectedUploadIsNotRetried(t *testing.T) {
	c, url := newServer(t, http.StatusUnprocessableEntity)
	s, _, _, _ := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url}, s)
	if err == nil || len(c.got) != 1 || !strings.Contains(err.Error(), "trace rejected: bad archive") {
		t.Fatalf("err %v, uploads %d", err, len(c.got))
	}
}

func TestServerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, _, _, errOut := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url}, s)
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(errOut.String(), "retrying once") {
		t.Fatalf("err %v stderr %q", err, errOut)
	}
}

func TestTimeout(t *testing.T) {
	// The server never answers; only the client's timeout ends the request.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	s, _, _, _ := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: srv.URL, Timeout: 50 * time.Millisecond}, s)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("err %v", err)
	}
}

func TestURLFromBodyAndProgressBarOnTerminal(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	c.answer = func(w http.ResponseWriter) { io.WriteString(w, "https://traces.example/42\n") }
	s, _, _, errOut := cliio.Test()
	s.SetStderrTTY(true)
	if err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: url + "/"}, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "Trace uploaded: https://traces.example/42\n") {
		t.Fatalf("stderr %q", errOut)
	}
	if !strings.Contains(errOut.String(), "Uploading") || !strings.Contains(errOut.String(), "\r") {
		t.Fatalf("no progress bar drawn on a terminal: %q", errOut)
	}
}

func TestBadServerURL(t *testing.T) {
	s, _, _, _ := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: "ftp://x"}, s)
	if err == nil || !strings.Contains(err.Error(), "http://") {
		t.Fatalf("err %v", err)
	}
}

func TestCheckServer(t *testing.T) {
	for server, want := range map[string]string{
		"https://collector.example.org": "",
		"http://127.0.0.1:8080/base/":   "",
		"not a url":                     "is not an http:// or https:// URL",
		"ftp://x":                       "is not an http:// or https:// URL",
		"http://":                       "names no host",
		"http://:80":                    "names no host",
		"http://x/?a=1":                 "query or fragment",
		"http://x y":                    "is not a URL",
	} {
		err := CheckServer(server)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckServer(%q) = %v, want %q", server, err, want)
		}
	}
}

// A certificate the client does not trust is a failure to report, not a
// network hiccup to retry.
func TestCertificateErrorIsNotRetried(t *testing.T) {
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	s, _, _, errOut := cliio.Test()
	err := Run(context.Background(), Options{TraceDir: traceDir(t), Server: srv.URL}, s)
	if err == nil || !strings.Contains(err.Error(), "certificate") || strings.Contains(errOut.String(), "retrying") || handshakes.Load() != 1 {
		t.Fatalf("err %v, stderr %q, %d connections", err, errOut, handshakes.Load())
	}
}

// A prompt blocked on a read that never ends is cancelled with the context.
func TestPromptIsCancellable(t *testing.T) {
	c, url := newServer(t, http.StatusOK)
	r, w := io.Pipe() // nothing is ever written
	defer w.Close()
	s, _, _, _ := cliio.Test()
	s.In = r
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, Options{TraceDir: traceDir(t), Server: url, Prompt: true}, s) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || len(c.got) != 0 {
		t.Fatalf("err %v, uploads %d", err, len(c.got))
	}
}

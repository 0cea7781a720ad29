package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serveProc is a running `tcpsnitch serve`.
type serveProc struct {
	URL     string
	DataDir string
	cmd     *exec.Cmd
	logs    *lockedBuffer
	done    chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts the server on a free port with its own data directory
// and stops it (SIGTERM, which must end it cleanly) when the test ends.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	return startServeIn(t, t.TempDir(), args...)
}

// startServeIn is startServe with a given data directory.
func startServeIn(t *testing.T, dataDir string, args ...string) *serveProc {
	t.Helper()
	s := &serveProc{DataDir: dataDir, logs: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", s.DataDir}, args...)...)
	s.cmd.Stderr = s.logs
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		s.cmd.Wait()
		t.Fatalf("tcpsnitch serve printed nothing; its log:\n%s", s.logs)
	}
	s.URL = strings.TrimPrefix(lines.Text(), "tcpsnitch serve: listening on ")
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("unexpected first line %q", lines.Text())
	}
	go func() { io.Copy(io.Discard, out); s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("tcpsnitch serve did not stop cleanly on SIGTERM: %v\n%s", err, s.logs)
			}
		case <-time.After(60 * time.Second):
			s.cmd.Process.Kill()
			t.Errorf("tcpsnitch serve still running 60 s after SIGTERM")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	return s
}

// getJSON fetches an API URL into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

type apiTrace struct {
	Trace struct {
		ID           string            `json:"id"`
		Meta         map[string]string `json:"meta"`
		Workload     string            `json:"workload"`
		Comments     string            `json:"comments"`
		Connectivity string            `json:"connectivity"`
		Status       string            `json:"status"`
		StatusError  string            `json:"status_error"`
		Processes    int               `json:"processes"`
		Sockets      int               `json:"sockets"`
		Events       int               `json:"events"`
	} `json:"trace"`
	Processes []struct {
		Name    string `json:"name"`
		Sockets int    `json:"sockets"`
		Events  int    `json:"events"`
		HasLogs bool   `json:"has_logs"`
	} `json:"processes"`
	Sockets []struct {
		Process   string `json:"process"`
		Index     int    `json:"index"`
		HasPcap   bool   `json:"has_pcap"`
		Events    int64  `json:"events"`
		BytesSent int64  `json:"bytes_sent"`
		BytesRecv int64  `json:"bytes_recv"`
	} `json:"sockets"`
}

// waitImported polls a trace's API until the import is over.
func waitImported(t *testing.T, base, key string) *apiTrace {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var tr apiTrace
		getJSON(t, base+"/api/traces/"+key, &tr)
		switch tr.Trace.Status {
		case "imported":
			return &tr
		case "failed":
			t.Fatalf("import failed: %s", tr.Trace.StatusError)
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s still %s after 3 minutes", key, tr.Trace.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// webServer serves size bytes on every path: what curl fetches.
func webServer(t *testing.T, size int) *httptest.Server {
	body := strings.Repeat("tcpsnitch serve test body\n", size/26+1)[:size]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	code        int
	out, errOut string
}

func tcpsnitch(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}
}

// realTrace traces curl fetching a page (TCP_INFO every 4 kB, pcap capture)
// without uploading, and returns the trace directory and its archive.
func realTrace(t *testing.T) (dir, archivePath string) {
	t.Helper()
	web := webServer(t, 300000)
	dir = filepath.Join(t.TempDir(), "trace")
	r := tcpsnitch(t, "", "-n", "-c", "-b", "4096", "-d", dir, "curl", "-s", "-o", "/dev/null", web.URL+"/page")
	if r.code != 0 {
		t.Fatalf("tracing curl: exit %d\n%s", r.code, r.errOut)
	}
	// The archive exactly as the CLI uploads it.
	archivePath = filepath.Join(filepath.Dir(dir), "archive.tar.gz")
	tarCmd := exec.Command("tar", "-czf", archivePath, ".")
	tarCmd.Dir = dir
	if out, err := tarCmd.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return dir, archivePath
}

// multipartUpload builds the form the original client's curl -F line sent.
func multipartUpload(t *testing.T, url string, fields map[string]string, archiveName string, archive []byte, header http.Header) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if archive != nil {
		fw, _ := mw.CreateFormFile("app_trace[archive]", archiveName)
		fw.Write(archive)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url+"/app_traces", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// dataFiles lists every file under the server's data directory.
func dataFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func keyOf(t *testing.T, url string) string {
	t.Helper()
	i := strings.Index(url, "/app_traces/")
	if i < 0 {
		t.Fatalf("no trace URL in %q", url)
	}
	return strings.TrimRight(strings.Fields(url[i+len("/app_traces/"):])[0], ".")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint

package serve

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The original tcpsnitch uploaded with
//
//	curl --connect-timeout 2 -F "app_trace[archive]=@$DIR/archive.tar.gz" \
//	     -F "app_trace[workload]=$workload" -F "app_trace[connectivity]=$connectivity" $SERVER/app_traces
//
// and printed what the server answered. The same command line gets the
// original's text back, and the trace is imported.
func TestOriginalClientCurlLine(t *testing.T) {
	s := startServe(t)
	_, archivePath := realTrace(t)
	out, err := exec.Command("curl", "--connect-timeout", "2", "-s", "-w", "\n%{http_code}",
		"-F", "app_trace[archive]=@"+archivePath,
		"-F", "app_trace[workload]=Opened app & navigated to google.com",
		"-F", "app_trace[connectivity]=wifi",
		s.URL+"/app_traces").CombinedOutput()
	must(t, err)
	m := regexp.MustCompile(`^Trace successfully uploaded at (` + regexp.QuoteMeta(s.URL) + `/app_traces/[a-z0-9]+)\.\n` +
		`Trace archive will be imported shortly\. Refresh this page in a few minutes\.\.\.\n\n201$`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("curl got:\n%s", out)
	}
	tr := waitImported(t, s.URL, keyOf(t, m[1]))
	if tr.Trace.Workload != "Opened app & navigated to google.com" || tr.Trace.Connectivity != "wifi" || tr.Trace.Events == 0 {
		t.Fatalf("trace %+v", tr.Trace)
	}
	// The page at that URL is the trace's.
	page := string(download(t, m[1]))
	if !strings.Contains(page, "Opened app &amp; navigated to google.com") {
		t.Errorf("trace page lacks the workload")
	}

	// Its failure text, for a form without the archive: the original's words, a real status.
	out, err = exec.Command("curl", "-s", "-w", "\n%{http_code}", "-F", "app_trace[workload]=x", s.URL+"/app_traces").CombinedOutput()
	must(t, err)
	if string(out) != "Failed to upload trace: the form has no app_trace[archive] file (the trace archive, .tar.gz or .zip).\n\n400" {
		t.Errorf("curl without archive got %q", out)
	}
}

// Each hostile upload is refused with its status and a clear message, in
// text and in JSON; the server keeps serving and writes nothing outside
// its data directory (nor keeps anything inside it).
func TestHostileUploads(t *testing.T) {
	s := startServe(t, "--max-expanded", "20000000", "--max-files", "100", "--max-line", "65536", "--max-upload", "5000000")
	_, archivePath := realTrace(t)
	good, _ := os.ReadFile(archivePath)
	members := readTarGz(t, good)
	escape := "escaped-" + filepath.Base(s.DataDir)
	cases := []struct {
		name   string
		data   []byte
		status int
		want   string
	}{
		{"traversal", withMember(t, members, tarMember{name: "../../../" + escape, body: "x"}), 400, "climbs out of the archive"},
		{"absolute path", withMember(t, members, tarMember{name: "/tmp/" + escape, body: "x"}), 400, "absolute path"},
		{"symlink", withMember(t, members, tarMember{name: "curl_000/7.json", typ: tar.TypeSymlink, link: "/etc/passwd"}), 400, "symbolic link"},
		{"hard link", withMember(t, members, tarMember{name: "curl_000/7.json", typ: tar.TypeLink, link: "/etc/passwd"}), 400, "hard link"},
		{"device file", withMember(t, members, tarMember{name: "curl_000/7.json", typ: tar.TypeBlock}), 400, "device, fifo"},
		{"gzip bomb", withMember(t, members, tarMember{name: "curl_000/7.json", zeros: 1 << 30}), 413, "expands to more than 20000000 bytes"},
		{"too many files", withMember(t, members, manyMembers(150)...), 413, "more than 100 files"},
		{"huge single line", withMember(t, members, tarMember{name: "curl_000/7.json", body: `{"type":"` + strings.Repeat("x", 100000) + `"}` + "\n"}), 400, "curl_000/7.json line 1 is longer than 65536 bytes"},
		{"malformed JSON", withMember(t, members, tarMember{name: "curl_000/7.json", body: "{\"type\": \"connect\", \"timestamp_usec\": 1,\n"}), 400, "curl_000/7.json line 1: not a JSON object"},
		{"no meta/", withoutPrefix(t, members, "./meta/"), 400, "no meta/ directory at its root"},
		{"missing meta file", withoutPrefix(t, members, "./meta/os"), 400, "meta/ lacks os"},
		{"not an archive", []byte("%PDF-1.4 not a trace\n"), 415, "neither a .tar.gz nor a .zip"},
		{"too large upload", bytes.Repeat(good, 5000000/len(good)+1), 413, "more than this server's limit of 5000000"},
	}
	for _, c := range cases {
		resp, body := multipartUpload(t, s.URL, nil, "archive.tar.gz", c.data, nil)
		if resp.StatusCode != c.status || !strings.HasPrefix(body, "Failed to upload trace: ") || !strings.Contains(body, c.want) {
			t.Errorf("%s: %s %q, want %d and %q", c.name, resp.Status, body, c.status, c.want)
		}
		resp, body = multipartUpload(t, s.URL, nil, "archive.tar.gz", c.data, http.Header{"Accept": {"application/json"}})
		var answer struct{ Error string }
		if json.Unmarshal([]byte(body), &answer) != nil || resp.StatusCode != c.status || !strings.Contains(answer.Error, c.want) {
			t.Errorf("%s (JSON): %s %q", c.name, resp.Status, body)
		}
		if h := download(t, s.URL+"/healthz"); string(h) != "ok\n" {
			t.Fatalf("after %s: healthz %q", c.name, h)
		}
	}
	// The multipart form itself: not multipart, and a non-archive body.
	resp, err := http.Post(s.URL+"/app_traces", "application/json", strings.NewReader(`{"archive": 1}`))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("JSON body: %s", resp.Status)
	}
	for _, p := range []string{filepath.Join(s.DataDir, "..", "..", "..", escape), filepath.Join("/tmp", escape), filepath.Join(s.DataDir, "..", escape)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	var list struct{ Total int }
	getJSON(t, s.URL+"/api/traces", &list)
	files := dataFiles(t, s.DataDir)
	for _, f := range files {
		if strings.HasPrefix(f, "archives/") || strings.HasPrefix(f, "tmp/") {
			t.Errorf("refused upload left %s", f)
		}
	}
	if list.Total != 0 {
		t.Errorf("%d traces recorded from refused uploads", list.Total)
	}
}

// 50 uploads at once: all recorded, all imported, none mixed with another.
func TestConcurrentUploads(t *testing.T) {
	s := startServe(t)
	_, archivePath := realTrace(t)
	data, _ := os.ReadFile(archivePath)
	const n = 50
	keys := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, body := multipartUpload(t, s.URL, map[string]string{"app_trace[workload]": fmt.Sprintf("upload %d", i)}, "archive.tar.gz", data, nil)
			if resp.StatusCode != 201 {
				errs <- fmt.Errorf("upload %d: %s %s", i, resp.Status, body)
				return
			}
			keys[i] = strings.TrimPrefix(resp.Header.Get("Location"), s.URL+"/app_traces/")
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	var first *apiTrace
	seen := map[string]bool{}
	for i, key := range keys {
		tr := waitImported(t, s.URL, key)
		if seen[key] {
			t.Fatalf("key %s given twice", key)
		}
		seen[key] = true
		if tr.Trace.Workload != fmt.Sprintf("upload %d", i) {
			t.Errorf("trace %s: workload %q, want upload %d", key, tr.Trace.Workload, i)
		}
		if first == nil {
			first = tr
		} else if tr.Trace.Events != first.Trace.Events || tr.Trace.Sockets != first.Trace.Sockets || tr.Trace.Events == 0 {
			t.Errorf("trace %s: %d events %d sockets, the first %d %d", key, tr.Trace.Events, tr.Trace.Sockets, first.Trace.Events, first.Trace.Sockets)
		}
	}
	var list struct{ Total int }
	getJSON(t, s.URL+"/api/traces", &list)
	archives, _ := filepath.Glob(filepath.Join(s.DataDir, "archives", "*"))
	if list.Total != n || len(archives) != n {
		t.Errorf("%d traces listed, %d archives kept, want %d", list.Total, len(archives), n)
	}
	for _, a := range archives {
		if b, _ := os.ReadFile(a); !bytes.Equal(b, data) {
			t.Errorf("%s differs from the uploaded archive", a)
		}
	}
}

// With --token, uploads need the token (the CLI passes it in the URL) and
// the list is for token holders; --public lists to everyone.
func TestTokenAndPublic(t *testing.T) {
	s := startServe(t, "--token", "s3cret")
	web := webServer(t, 1000)
	r := tcpsnitch(t, "", "-d", filepath.Join(t.TempDir(), "a"), "--server", s.URL, "curl", "-s", "-o", "/dev/null", web.URL)
	if r.code == 0 || !strings.Contains(r.errOut, "401 Unauthorized") || !strings.Contains(r.errOut, "needs an upload token") {
		t.Errorf("upload without the token: exit %d, %s", r.code, r.errOut)
	}
	withToken := strings.Replace(s.URL, "http://", "http://:s3cret@", 1)
	r = tcpsnitch(t, "", "-d", filepath.Join(t.TempDir(), "b"), "--server", withToken, "curl", "-s", "-o", "/dev/null", web.URL)
	if r.code != 0 || !strings.Contains(r.errOut, "Trace uploaded: ") {
		t.Fatalf("upload with the token: exit %d, %s", r.code, r.errOut)
	}
	resp, err := http.Get(s.URL + "/api/traces")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("list without the token: %s", resp.Status)
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/traces", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err = http.DefaultClient.Do(req)
	must(t, err)
	var list struct{ Total int }
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if resp.StatusCode != 200 || list.Total != 1 {
		t.Errorf("list with the token: %s, %d traces", resp.Status, list.Total)
	}

	// The browser form sends the token as a field; a wrong one is refused.
	archive := synthArchive(t, "formapp", "Linux", 1)
	if resp, body := multipartUpload(t, s.URL, map[string]string{"token": "s3cret"}, "a.tar.gz", archive, nil); resp.StatusCode != 201 {
		t.Errorf("upload with the token field: %s %s", resp.Status, body)
	}
	if resp, body := multipartUpload(t, s.URL, map[string]string{"token": "wrong"}, "a.tar.gz", archive, nil); resp.StatusCode != 401 {
		t.Errorf("upload with a wrong token field: %s %s", resp.Status, body)
	}

	p := startServe(t, "--token", "s3cret", "--public")
	getJSON(t, p.URL+"/api/traces", &list)
}

type tarMember struct {
	name, body, link string
	typ              byte
	zeros            int64
	mode             int64
}

func readTarGz(t *testing.T, data []byte) []tarMember {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	must(t, err)
	tr := tar.NewReader(gz)
	var out []tarMember
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		must(t, err)
		b, _ := io.ReadAll(tr)
		out = append(out, tarMember{name: h.Name, body: string(b), typ: h.Typeflag, link: h.Linkname, mode: h.Mode})
	}
}

func withMember(t *testing.T, ms []tarMember, extra ...tarMember) []byte {
	return writeTar(t, append(append([]tarMember{}, ms...), extra...))
}

func withoutPrefix(t *testing.T, ms []tarMember, prefix string) []byte {
	var keep []tarMember
	for _, m := range ms {
		if !strings.HasPrefix(m.name, prefix) {
			keep = append(keep, m)
		}
	}
	return writeTar(t, keep)
}

func manyMembers(n int) []tarMember {
	var out []tarMember
	for i := 0; i < n; i++ {
		out = append(out, tarMember{name: fmt.Sprintf("./curl_000/extra-%d.txt", i), body: "x"})
	}
	return out
}

func writeTar(t *testing.T, ms []tarMember) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range ms {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: m.name, Typeflag: typ, Linkname: m.link, Mode: 0o644}
		if typ == tar.TypeReg {
			h.Size = int64(len(m.body)) + m.zeros
		}
		must(t, tw.WriteHeader(h))
		if typ == tar.TypeReg {
			io.WriteString(tw, m.body)
			zeros := make([]byte, 1<<20)
			for left := m.zeros; left > 0; left -= int64(len(zeros)) {
				tw.Write(zeros[:min(left, int64(len(zeros)))])
			}
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

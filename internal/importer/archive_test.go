package importer

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// entry is one member of a test archive.
type entry struct {
	name, body string
	typ        byte   // tar type; 0 means a regular file
	link       string // for links
	size       int64  // declared size when not len(body) (tar)
}

const socketLine = `{"type":"socket","timestamp_usec":1,"return_value":3,"success":true,"thread_id":2,"fake_call":false,"details":{"sock_info":{"domain":"AF_INET","type":"SOCK_STREAM","protocol":"0","SOCK_CLOEXEC":false,"SOCK_NONBLOCK":false}}}`
const connectLine = `{"type":"connect","timestamp_usec":2,"return_value":-1,"success":false,"errno":"EINPROGRESS","thread_id":2,"fake_call":false,"details":{"addr":{"sa_family":"AF_INET","ip":"93.184.216.34","port":"80"}}}`
const sendLine = `{"type":"send","timestamp_usec":3,"return_value":10,"success":true,"thread_id":2,"fake_call":false,"details":{"bytes":10,"flags":{}}}`

// goodTrace is a small valid trace: meta/ and one process with one socket.
func goodTrace(prefix string) []entry {
	var es []entry
	for _, m := range store.MetaNames {
		es = append(es, entry{name: prefix + "meta/" + m, body: "v-" + m + "\n"})
	}
	es = append(es, entry{name: prefix + "curl_000/0.json", body: socketLine + "\n" + connectLine + "\n" + sendLine + "\n"},
		entry{name: prefix + "curl_000/logs.txt", body: "log line\n"})
	return es
}

func writeTarGz(t *testing.T, es []entry) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link, Size: int64(len(e.body))}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if e.size != 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if e.size > int64(len(e.body)) {
				// Stream zeros: they compress to almost nothing (a bomb).
				zeros := make([]byte, 1<<20)
				for left := e.size; left > 0; left -= int64(len(zeros)) {
					tw.Write(zeros[:min(left, int64(len(zeros)))])
				}
			} else {
				tw.Write([]byte(e.body))
			}
		}
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "archive.tar.gz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func writeZip(t *testing.T, es []entry, symlink string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		w, _ := zw.Create(e.name)
		w.Write([]byte(e.body))
	}
	if symlink != "" {
		h := &zip.FileHeader{Name: symlink}
		h.SetMode(os.ModeSymlink | 0o777)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte("/etc/passwd"))
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "archive.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func TestCheckAcceptsTraces(t *testing.T) {
	for name, file := range map[string]string{
		"tar.gz":           writeTarGz(t, goodTrace("./")),
		"tar.gz no ./":     writeTarGz(t, goodTrace("")),
		"zip":              writeZip(t, goodTrace(""), ""),
		"wrapped in a dir": writeTarGz(t, goodTrace("tcpsnitch/")),
	} {
		c, err := Check(file, DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c.Processes != 1 || c.Sockets != 1 || c.Events != 3 || c.Meta["app"] != "v-app" || len(c.Meta) != 13 {
			t.Errorf("%s: %+v", name, c)
		}
		if name == "wrapped in a dir" && c.Root != "tcpsnitch/" {
			t.Errorf("root %q", c.Root)
		}
	}
}

// Every hostile archive is refused with the status and a message that
// names the problem.
func TestCheckRefusesHostileArchives(t *testing.T) {
	good := goodTrace("./")
	with := func(extra ...entry) []entry { return append(append([]entry{}, good...), extra...) }
	small := DefaultLimits
	small.MaxExpanded, small.MaxFiles, small.MaxLine = 10<<20, 20, 4096
	cases := []struct {
		name   string
		file   string
		lim    Limits
		status int
		want   string
	}{
		{"traversal", writeTarGz(t, with(entry{name: "../../escaped", body: "x"})), DefaultLimits, 400, `climbs out of the archive`},
		{"traversal inside", writeTarGz(t, with(entry{name: "curl_000/../../x", body: "x"})), DefaultLimits, 400, `climbs out`},
		{"absolute", writeTarGz(t, with(entry{name: "/etc/cron.d/x", body: "x"})), DefaultLimits, 400, `absolute path`},
		{"symlink", writeTarGz(t, with(entry{name: "curl_000/1.json", typ: tar.TypeSymlink, link: "/etc/passwd"})), DefaultLimits, 400, `symbolic link`},
		{"zip symlink", writeZip(t, good, "curl_000/1.json"), DefaultLimits, 400, `symbolic link`},
		{"hard link", writeTarGz(t, with(entry{name: "curl_000/1.json", typ: tar.TypeLink, link: "curl_000/0.json"})), DefaultLimits, 400, `hard link`},
		{"device", writeTarGz(t, with(entry{name: "dev", typ: tar.TypeChar})), DefaultLimits, 400, `device, fifo`},
		{"fifo", writeTarGz(t, with(entry{name: "fifo", typ: tar.TypeFifo})), DefaultLimits, 400, `device, fifo`},
		{"gzip bomb", writeTarGz(t, with(entry{name: "curl_000/9.json", size: 64 << 20})), small, 413, `expands to more than 10485760 bytes`},
		{"too many files", writeTarGz(t, with(manyFiles(30)...)), small, 413, `more than 20 files`},
		{"huge line", writeTarGz(t, with(entry{name: "curl_000/1.json", body: strings.Repeat(" ", 5000) + socketLine + "\n"})), small, 400, `curl_000/1.json line 1 is longer than 4096 bytes`},
		{"malformed JSON", writeTarGz(t, with(entry{name: "curl_000/1.json", body: socketLine + "\n{\"type\": \"close\",\n"})), DefaultLimits, 400, `curl_000/1.json line 2: not a JSON object`},
		{"event without errno", writeTarGz(t, with(entry{name: "curl_000/1.json", body: strings.Replace(connectLine, `"errno":"EINPROGRESS",`, "", 1) + "\n"})), DefaultLimits, 400, `line 1: failed connect event without errno`},
		{"not UTF-8", writeTarGz(t, with(entry{name: "curl_000/1.json", body: "{\"type\":\"\xff\"}\n"})), DefaultLimits, 400, `line 1 is not UTF-8`},
		{"no meta", writeTarGz(t, good[13:]), DefaultLimits, 400, `no meta/ directory at its root`},
		{"missing meta files", writeTarGz(t, good[2:]), DefaultLimits, 400, `meta/ lacks app, app_version`},
		{"not an archive", writeFile(t, "just some text\n"), DefaultLimits, 415, `neither a .tar.gz nor a .zip`},
		{"empty file", writeFile(t, ""), DefaultLimits, 415, `neither a .tar.gz nor a .zip`},
		{"gzip of text", writeFile(t, gzipped("hello, not a tar")), DefaultLimits, 400, `does not hold a valid tar archive`},
		{"truncated gzip", writeFile(t, truncated(t, writeTarGz(t, good))), DefaultLimits, 400, `valid tar archive`},
	}
	for _, c := range cases {
		_, err := Check(c.file, c.lim)
		rj, ok := err.(*Rejection)
		if !ok {
			t.Errorf("%s: want a rejection, got %v", c.name, err)
			continue
		}
		if rj.Status != c.status || !strings.Contains(rj.Msg, c.want) {
			t.Errorf("%s: got %d %q, want %d and %q", c.name, rj.Status, rj.Msg, c.status, c.want)
		}
	}
}

func manyFiles(n int) []entry {
	var es []entry
	for i := 0; i < n; i++ {
		es = append(es, entry{name: fmt.Sprintf("curl_000/extra%d.txt", i), body: "x"})
	}
	return es
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "upload")
	os.WriteFile(p, []byte(content), 0o644)
	return p
}

func gzipped(s string) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write([]byte(s))
	gz.Close()
	return buf.String()
}

func truncated(t *testing.T, file string) string {
	b, _ := os.ReadFile(file)
	return string(b[:len(b)/2])
}

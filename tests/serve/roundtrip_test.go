package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/store/pgtest"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// The real CLI traces curl and uploads to a real server; the API gives
// back every event of every socket exactly as the trace files hold them.
func TestCLIUploadReadBackSQLite(t *testing.T) {
	s := startServe(t)
	roundTrip(t, s)
	// Nothing but the database and the kept archive: no extracted files.
	var unexpected []string
	for _, f := range dataFiles(t, s.DataDir) {
		if !regexp.MustCompile(`^(tcpsnitch\.db(-wal|-shm)?|archives/[0-9]+\.tar\.gz)$`).MatchString(f) {
			unexpected = append(unexpected, f)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("files left in the data directory: %v", unexpected)
	}
}

func TestCLIUploadReadBackPostgreSQL(t *testing.T) {
	dsn := pgtest.ForTest(t)
	s := startServe(t, "--db", dsn)
	roundTrip(t, s)
	if files := dataFiles(t, s.DataDir); len(files) != 1 || !strings.HasPrefix(files[0], "archives/") {
		t.Errorf("data directory with PostgreSQL holds %v, want only the archive", files)
	}
}

func roundTrip(t *testing.T, s *serveProc) {
	web := webServer(t, 300000)
	dir := filepath.Join(t.TempDir(), "trace")
	r := tcpsnitch(t, "a page fetch\nethernet\n", "-p", "-c", "-b", "4096", "-d", dir, "--server", s.URL, "curl", "-s", "-o", "/dev/null", web.URL+"/page")
	m := regexp.MustCompile(`Trace uploaded: (` + regexp.QuoteMeta(s.URL) + `/app_traces/[a-z0-9]+)\n`).FindStringSubmatch(r.errOut)
	if r.code != 0 || m == nil {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	key := keyOf(t, m[1])
	got := waitImported(t, s.URL, key)

	truth, err := tracefile.Open(dir)
	must(t, err)
	for _, name := range []string{"app", "app_version", "cmd", "host_id", "git_hash", "kernel", "machine", "net", "opt_b", "opt_f", "opt_u", "os", "version"} {
		b, err := os.ReadFile(filepath.Join(dir, "meta", name))
		must(t, err)
		if want := strings.TrimSuffix(string(b), "\n"); got.Trace.Meta[name] != want {
			t.Errorf("meta %s: server has %q, the trace %q", name, got.Trace.Meta[name], want)
		}
	}
	if got.Trace.Workload != "a page fetch" || got.Trace.Connectivity != "ethernet" {
		t.Errorf("workload %q connectivity %q", got.Trace.Workload, got.Trace.Connectivity)
	}
	nSockets, nEvents := 0, 0
	for _, p := range truth.Processes {
		nSockets += len(p.Sockets)
		for _, k := range p.Sockets {
			nEvents += len(k.Events)
		}
	}
	if got.Trace.Processes != len(truth.Processes) || got.Trace.Sockets != nSockets || got.Trace.Events != nEvents || nEvents < 10 {
		t.Fatalf("server counts %d/%d/%d, trace %d processes %d sockets %d events",
			got.Trace.Processes, got.Trace.Sockets, got.Trace.Events, len(truth.Processes), nSockets, nEvents)
	}
	checked := 0
	for _, p := range truth.Processes {
		for _, k := range p.Sockets {
			var page struct {
				Events []map[string]any `json:"events"`
				Pages  int              `json:"pages"`
			}
			getJSON(t, s.URL+"/api/traces/"+key+"/processes/"+p.Name+"/sockets/"+strconv.Itoa(k.Index)+"?limit=10000", &page)
			if len(page.Events) != len(k.Events) {
				t.Fatalf("%s/%d: API has %d events, the file %d", p.Name, k.Index, len(page.Events), len(k.Events))
			}
			for i, want := range k.Events {
				if diff := eventDiff(page.Events[i], want); diff != "" {
					t.Fatalf("%s/%d event %d (%s): %s", p.Name, k.Index, i, want.Type, diff)
				}
				checked++
			}
			if k.PcapPath != "" {
				wantPcap, _ := os.ReadFile(k.PcapPath)
				gotPcap := download(t, s.URL+"/app_traces/"+key+"/processes/"+p.Name+"/files/"+strconv.Itoa(k.Index)+".pcap")
				if !bytes.Equal(gotPcap, wantPcap) || len(wantPcap) == 0 {
					t.Errorf("%s/%d.pcap: downloaded %d bytes, the trace has %d", p.Name, k.Index, len(gotPcap), len(wantPcap))
				}
			}
		}
		if p.Logs != "" {
			if got := download(t, s.URL+"/app_traces/"+key+"/processes/"+p.Name+"/files/logs.txt"); string(got) != p.Logs {
				t.Errorf("%s/logs.txt differs", p.Name)
			}
		}
	}
	if checked != nEvents {
		t.Fatalf("checked %d of %d events", checked, nEvents)
	}
	// The archive comes back byte for byte as the CLI sent it.
	want, _ := os.ReadFile(filepath.Join(dir, "archive.tar.gz"))
	if got := download(t, s.URL+"/app_traces/"+key+"/archive"); !bytes.Equal(got, want) {
		t.Errorf("downloaded archive: %d bytes, the CLI's %d", len(got), len(want))
	}
	// The JSON export of all events holds them all, in the same order.
	lines := strings.Split(strings.TrimSpace(string(download(t, s.URL+"/app_traces/"+key+"/events.json"))), "\n")
	if len(lines) != nEvents {
		t.Errorf("events.json: %d lines, %d events", len(lines), nEvents)
	}
	csvLines := strings.Split(strings.TrimSpace(string(download(t, s.URL+"/app_traces/"+key+"/events.csv?type=connect"))), "\n")
	nConnect := 0
	for _, p := range truth.Processes {
		for _, k := range p.Sockets {
			nConnect += len(k.OfType("connect"))
		}
	}
	if len(csvLines) != nConnect+1 || nConnect == 0 {
		t.Errorf("events.csv?type=connect: %d lines, want a header and %d connects", len(csvLines), nConnect)
	}
	t.Logf("%d events of %d sockets read back through the API", checked, nSockets)
}

// eventDiff compares an API event with the trace file's.
func eventDiff(api map[string]any, want tracefile.Event) string {
	num := func(k string) int64 {
		n, _ := api[k].(json.Number).Int64()
		return n
	}
	errno, _ := api["errno"].(string)
	switch {
	case api["type"] != want.Type:
		return "type " + api["type"].(string)
	case num("timestamp_usec") != want.TimestampUsec, num("return_value") != want.ReturnValue, num("thread_id") != want.ThreadID:
		return "timestamp, return value or thread differ"
	case api["success"] != want.Success, api["fake_call"] != want.FakeCall, errno != want.Errno:
		return "success, fake_call or errno differ"
	}
	if !reflect.DeepEqual(api["details"], want.Details) && !(len(want.Details) == 0 && len(api["details"].(map[string]any)) == 0) {
		a, _ := json.Marshal(api["details"])
		w, _ := json.Marshal(want.Details)
		return "details " + string(a) + " != " + string(w)
	}
	return ""
}

func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return b
}

var _ = sort.Strings

package statstest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
)

type cliResult struct {
	code        int
	out, errOut string
}

func cli(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cliResult{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}

// jsonRound makes expected statistics comparable with decoded ones.
func jsonRound(t *testing.T, v any, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

type statsDoc struct {
	SchemaVersion int            `json:"schema_version"`
	Results       []stats.Result `json:"results"`
}

// TestReportStats: `tcpsnitch report --stats` reads the trace with the
// report's streaming reader (directory and .tar.gz); its statistics equal
// those computed from tracefile.Open, and match the program's own lines.
func TestReportStats(t *testing.T) {
	ip := nonLoopback(t)
	dir, out := traced(t, statsbin, ip)
	recs := parseRecs(t, out)
	acc := accumulate(t, dir, "")
	var want []stats.Stat
	jsonRound(t, stats.Compute(acc.Trace().Total(), stats.ScopeTrace), &want)

	archive := filepath.Join(t.TempDir(), "archive.tar.gz")
	if b, err := exec.Command("tar", "-C", dir, "-czf", archive, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, b)
	}
	for _, src := range []string{dir, archive} {
		r := cli(t, "report", "--stats", "--json", src)
		if r.code != 0 {
			t.Fatalf("report --stats --json %s: exit %d\n%s", src, r.code, r.errOut)
		}
		var doc statsDoc
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Fatalf("%s: %v\n%s", src, err, r.out)
		}
		if len(doc.Results) != 2 || doc.Results[0].Scope != stats.ScopeTrace || doc.Results[0].Name != "statsprog" ||
			doc.Results[1].Scope != stats.ScopeProcess {
			t.Fatalf("%s: results %d, want the trace statsprog and its process", src, len(doc.Results))
		}
		got := doc.Results[0].Stats
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: report --stats differs from the statistics of tracefile.Open", src)
			for i := range want {
				if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("first difference: %+v\nwant %+v", got[i], want[i])
					break
				}
			}
		}
		if n := byID(got).count(t, "overview.events"); n != float64(len(recs)) {
			t.Errorf("%s: events %v, the program made %d calls", src, n, len(recs))
		}
	}

	// CSV: the total line of the calls by function.
	r := cli(t, "report", "--stats", "--csv", dir)
	if r.code != 0 {
		t.Fatalf("report --stats --csv: exit %d\n%s", r.code, r.errOut)
	}
	lines, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range lines {
		if l[0] == "trace" && l[2] == "overview.calls" && l[6] == "(total)" {
			found = true
			if l[7] != strconv.Itoa(len(recs)) {
				t.Errorf("CSV overview.calls total %s, the program made %d calls", l[7], len(recs))
			}
		}
	}
	if !found {
		t.Errorf("CSV has no trace overview.calls total:\n%s", r.out)
	}

	// One socket: the client (the socket with the writev), its series.
	var cliKey stats.SocketKey
	for k, s := range acc.Sockets() {
		if s.Agg.Calls["writev"] > 0 {
			cliKey = k
		}
	}
	r = cli(t, "report", "--stats", "--json", "--process", cliKey.Process, "--socket", strconv.Itoa(cliKey.Index), dir)
	var doc statsDoc
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil || r.code != 0 {
		t.Fatalf("report --stats --socket: exit %d, %v\n%s%s", r.code, err, r.out, r.errOut)
	}
	if len(doc.Results) != 1 || doc.Results[0].Scope != stats.ScopeSocket {
		t.Fatalf("--socket: %d results, want the one socket", len(doc.Results))
	}
	var sent int64
	for _, rc := range recs {
		if rc.sock == "cli" && rc.errno == "" && sendFns[rc.fn] {
			sent += rc.int(t, "moved")
		}
	}
	series := byID(doc.Results[0].Stats).get(t, "series.sent")
	if series.Total != float64(sent) {
		t.Errorf("client socket: bytes sent over time ends at %v, the program sent %d", series.Total, sent)
	}

	// Text: the table a person reads names the same total.
	r = cli(t, "report", "--stats", dir)
	if r.code != 0 || !strings.Contains(r.out, "Events (calls): "+strconv.Itoa(len(recs))+"\n") {
		t.Errorf("report --stats (text): exit %d, no 'Events (calls): %d' line:\n%s", r.code, len(recs), r.out)
	}

	// --csv alone is a usage error.
	r = cli(t, "report", "--csv", dir)
	if r.code != 2 || strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 || !strings.Contains(r.errOut, "--stats") {
		t.Errorf("report --csv without --stats: exit %d, stderr %q; want exit 2 and one line naming --stats", r.code, r.errOut)
	}
}

// TestReadTrace: stats.ReadTrace (what a server runs on an uploaded
// archive) gives the statistics of tracefile.Open, from a .tar.gz with a
// top directory as uploads have, and names the app from meta/.
func TestReadTrace(t *testing.T) {
	dir, _ := traced(t, statsbin)
	acc := accumulate(t, dir, "")
	// Name lookups as a dns.json records them (the shim of this tree does
	// not write one yet): two of example.org, one of foo.test, one failed.
	lookup := func(fn, key, name string, ok bool) string {
		if !ok {
			return `{"type": "` + fn + `", "timestamp_usec": 1, "return_value": -2, "success": false, "errno": "EAI_NONAME", "thread_id": 1, "fake_call": false, "details": {"` + key + `": "` + name + `", "addresses": []}}`
		}
		return `{"type": "` + fn + `", "timestamp_usec": 1, "return_value": 0, "success": true, "thread_id": 1, "fake_call": false, "details": {"` + key + `": "` + name + `", "addresses": [{"ip": "192.0.2.7"}]}}`
	}
	dns := strings.Join([]string{lookup("getaddrinfo", "node", "example.org", true), lookup("gethostbyname", "name", "example.org", true),
		lookup("getaddrinfo", "node", "foo.test", true), lookup("getaddrinfo", "node", "nx.test", false)}, "\n") + "\n"
	procs, _ := filepath.Glob(filepath.Join(dir, "statsprog_*"))
	if len(procs) != 1 {
		t.Fatalf("process directories %v", procs)
	}
	if err := os.WriteFile(filepath.Join(procs[0], "dns.json"), []byte(dns), 0o644); err != nil {
		t.Fatal(err)
	}
	acc.Host("example.org")
	acc.Host("example.org")
	acc.Host("foo.test")
	want := stats.Compute(acc.Trace().Total(), stats.ScopeTrace)
	sameTable(t, byID(want), "hosts", map[string]float64{"example.org": 2, "foo.test": 1})
	r := cli(t, "report", "--stats", "--json", dir)
	var doc statsDoc
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil || r.code != 0 || len(doc.Results) == 0 {
		t.Fatalf("report --stats --json: exit %d, %v\n%s", r.code, err, r.errOut)
	}
	sameTable(t, byID(doc.Results[0].Stats), "hosts", map[string]float64{"example.org": 2, "foo.test": 1})
	archive := filepath.Join(t.TempDir(), "archive.tar.gz")
	if b, err := exec.Command("tar", "-C", filepath.Dir(dir), "-czf", archive, filepath.Base(dir)).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, b)
	}
	got, problems, err := stats.ReadTrace(archive, stats.TraceInfo{ID: "7"}, false)
	if err != nil || len(problems) != 0 {
		t.Fatalf("ReadTrace: %v %v", err, problems)
	}
	if got.Info.App != "statsprog" || got.Info.OS != "Linux" || got.Info.ID != "7" {
		t.Errorf("info %+v, want app statsprog, os Linux, id 7", got.Info)
	}
	if !reflect.DeepEqual(stats.Compute(got.Trace().Total(), stats.ScopeTrace), want) {
		t.Error("ReadTrace's statistics differ from tracefile.Open's")
	}
}

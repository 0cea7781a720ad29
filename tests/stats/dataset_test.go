package statstest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// fileCounts counts a trace's calls by reading its files directly: events
// by type (fake ones and the accept that opens an accepted socket's file
// left out), sockets by protocol and family.
type fileCounts struct {
	calls    map[string]float64
	sockets  int
	byType   map[string]int
	byDomain map[string]int
}

func countFiles(t *testing.T, dir string) fileCounts {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fc := fileCounts{calls: map[string]float64{}, byType: map[string]int{}, byDomain: map[string]int{}}
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			fc.sockets++
			for i, e := range s.Events {
				if i == 0 {
					typ, _ := e.DetailString("sock_info", "type")
					dom, _ := e.DetailString("sock_info", "domain")
					fc.byType[typ]++
					fc.byDomain[dom]++
				}
				if e.FakeCall || (i == 0 && strings.HasPrefix(e.Type, "accept")) {
					continue
				}
				fc.calls[e.Type]++
			}
		}
	}
	return fc
}

type countingConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

type countingListener struct {
	net.Listener
	read, written *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.read, l.written}, nil
}

// TestDataset: three apps (statsprog, curl, python3) combined, filtered,
// stored and combined again; every number against the programs' own
// counts or the trace files counted here.
func TestDataset(t *testing.T) {
	ip := nonLoopback(t)
	var httpRead, httpWritten atomic.Int64
	body := strings.Repeat("statistics body\n", 5000)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, body)
	}))
	srv.Listener = countingListener{srv.Listener, &httpRead, &httpWritten}
	srv.Start()
	defer srv.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var pyRead atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, c)
		pyRead.Add(n)
		c.Close()
	}()

	dirs := map[string]string{}
	var progOut string
	dirs["statsprog"], progOut = traced(t, statsbin, ip)
	dirs["curl"], _ = traced(t, "curl", "-s", "-o", "/dev/null", srv.URL+"/")
	port := ln.Addr().(*net.TCPAddr).Port
	dirs["python3"], _ = traced(t, "python3", "-c",
		fmt.Sprintf("import socket; s=socket.create_connection(('127.0.0.1',%d)); s.sendall(b'p'*1234); s.close()", port))
	<-done
	srv.Close() // every byte of the response counted
	if pyRead.Load() != 1234 || httpWritten.Load() == 0 {
		t.Fatalf("servers saw %d bytes from python3 (want 1234), sent %d to curl", pyRead.Load(), httpWritten.Load())
	}

	var traces []*stats.Trace
	counts := map[string]fileCounts{}
	apps := []string{"curl", "python3", "statsprog"}
	for _, app := range apps {
		acc := accumulate(t, dirs[app], app)
		if acc.Info.App != app {
			t.Fatalf("meta/app of the %s trace is %q", app, acc.Info.App)
		}
		traces = append(traces, acc.Trace())
		counts[app] = countFiles(t, dirs[app])
	}

	global := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{}), stats.ScopeDataset))
	if got := global.count(t, "overview.traces"); got != 3 {
		t.Errorf("traces = %v, want 3", got)
	}
	if got := global.count(t, "overview.apps"); got != 3 {
		t.Errorf("apps = %v, want 3", got)
	}
	calls := map[string]float64{}
	appsUsing := map[string]float64{}
	sockets := 0
	footprint := map[string]float64{}
	for _, app := range apps {
		var fns []string
		for fn, n := range counts[app].calls {
			calls[fn] += n
			appsUsing[fn]++
			fns = append(fns, fn)
		}
		sort.Strings(fns)
		footprint[strings.Join(fns, ", ")]++
		sockets += counts[app].sockets
	}
	sameTable(t, global, "overview.calls", calls)
	sameTable(t, global, "overview.apps_using_function", appsUsing)
	sameTable(t, global, "footprint.functions", footprint)
	if appsUsing["connect"] != 3 {
		t.Errorf("the test expects all three apps to connect: %v", appsUsing)
	}
	if got := global.count(t, "overview.sockets"); got != float64(sockets) {
		t.Errorf("sockets = %v, the trace files have %d", got, sockets)
	}
	s := global.get(t, "overview.apps_using_function")
	if s.Total != 3 {
		t.Errorf("apps-using total %v, want 3 apps", s.Total)
	}

	// Per app: the bytes the servers counted.
	curl := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{App: "curl"}), stats.ScopeDataset))
	gotBytes, _ := curl.rows(t, "overview.bytes")
	if gotBytes["received"] != float64(httpWritten.Load()) || gotBytes["sent"] != float64(httpRead.Load()) {
		t.Errorf("curl: bytes %v, the server wrote %d and read %d", gotBytes, httpWritten.Load(), httpRead.Load())
	}
	py := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{App: "python3"}), stats.ScopeDataset))
	if b, _ := py.rows(t, "overview.bytes"); b["sent"] != 1234 {
		t.Errorf("python3: bytes sent %v, the server read 1234", b["sent"])
	}

	// Socket filters.
	udp := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{Proto: "udp"}), stats.ScopeDataset))
	nUDP := 0
	for _, app := range apps {
		nUDP += counts[app].byType["SOCK_DGRAM"]
	}
	if got := udp.count(t, "overview.sockets"); got != float64(nUDP) || nUDP == 0 {
		t.Errorf("udp: sockets = %v, the files have %d UDP sockets", got, nUDP)
	}
	v6 := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{Family: "ipv6"}), stats.ScopeDataset))
	nV6 := 0
	for _, app := range apps {
		nV6 += counts[app].byDomain["AF_INET6"]
	}
	if got := v6.count(t, "overview.sockets"); got != float64(nV6) {
		t.Errorf("ipv6: sockets = %v, the files have %d IPv6 sockets", got, nV6)
	}
	// Only statsprog's "ur" socket talked to a non-loopback address (curl
	// and python3 used 127.0.0.1).
	remote := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{Remote: "yes"}), stats.ScopeDataset))
	if remote.count(t, "overview.sockets") != 1 || remote.count(t, "overview.traces") != 1 {
		t.Errorf("remote: %v sockets in %v traces, want 1 in 1", remote.count(t, "overview.sockets"), remote.count(t, "overview.traces"))
	}
	urCalls := map[string]float64{}
	for _, r := range parseRecs(t, progOut) {
		if r.sock == "ur" {
			urCalls[r.fn]++
		}
	}
	sameTable(t, remote, "overview.calls", urCalls)

	// Network-specialised apps count only in the global segment.
	spec := map[string]bool{"curl": true}
	if got := byID(stats.Compute(stats.Combine(traces, spec, stats.Filter{}), stats.ScopeDataset)).count(t, "overview.apps"); got != 3 {
		t.Errorf("global with curl specialised: %v apps, want 3", got)
	}
	linux := byID(stats.Compute(stats.Combine(traces, spec, stats.Filter{OS: "Linux"}), stats.ScopeDataset))
	if got := linux.count(t, "overview.apps"); got != 2 {
		t.Errorf("Linux with curl specialised: %v apps, want 2", got)
	}
	if got := linux.count(t, "overview.sockets"); got != float64(sockets-counts["curl"].sockets) {
		t.Errorf("Linux without curl: %v sockets, want %d", got, sockets-counts["curl"].sockets)
	}

	// Stored and combined again: per-trace aggregates through JSON (as a
	// server keeps them) give the same statistics; deleting a trace is
	// combining the others.
	var stored []*stats.Trace
	for _, tr := range traces {
		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		var back stats.Trace
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, &back)
	}
	for _, f := range []stats.Filter{{}, {Proto: "tcp"}, {Remote: "no"}} {
		a := stats.Compute(stats.Combine(traces, nil, f), stats.ScopeDataset)
		b := stats.Compute(stats.Combine(stored, nil, f), stats.ScopeDataset)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("filter %+v: statistics differ after a JSON round trip of the trace aggregates", f)
		}
	}
	without := byID(stats.Compute(stats.Combine(stored[1:], nil, stats.Filter{}), stats.ScopeDataset))
	if got := without.count(t, "overview.sockets"); got != float64(sockets-counts["curl"].sockets) {
		t.Errorf("after deleting curl's trace: %v sockets, want %d", got, sockets-counts["curl"].sockets)
	}

	// CSV: every row and a total line per statistic, as in the JSON.
	results := []stats.Result{{Scope: stats.ScopeDataset, Name: "global", Stats: stats.Compute(stats.Combine(traces, nil, stats.Filter{}), stats.ScopeDataset)}}
	var buf bytes.Buffer
	if err := stats.WriteCSV(&buf, results); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lines[0], stats.CSVHeader) {
		t.Errorf("CSV header %v", lines[0])
	}
	perStat := map[string]int{}
	totals := map[string]string{}
	for _, l := range lines[1:] {
		if l[6] == "(total)" {
			totals[l[2]] = l[7]
		} else {
			perStat[l[2]]++
		}
	}
	for _, st := range results[0].Stats {
		if perStat[st.ID] != len(st.Rows) || totals[st.ID] != strconv.FormatFloat(st.Total, 'f', -1, 64) {
			t.Errorf("CSV %s: %d rows, total %s; JSON has %d rows, total %v", st.ID, perStat[st.ID], totals[st.ID], len(st.Rows), st.Total)
		}
	}
}

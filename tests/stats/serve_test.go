package statstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/store/pgtest"
)

// serveStats starts `tcpsnitch serve` with a token (needed to upload and
// to flag apps) and --public (anyone reads the statistics), and stops it
// at the end.
func serveStats(t *testing.T, token string, extra ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--token", token, "--public"}, extra...)...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		cmd.Wait()
		t.Fatalf("tcpsnitch serve printed nothing:\n%s", logs.String())
	}
	base := strings.TrimPrefix(sc.Text(), "tcpsnitch serve: listening on ")
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, out); done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return base
}

// upload traces a command and uploads it; it returns the trace directory,
// the program's stdout and the trace's key once the server has imported it.
func upload(t *testing.T, base, token string, args ...string) (string, string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trace")
	u, _ := url.Parse(base)
	u.User = url.UserPassword("", token)
	cmd := exec.Command(bin, append([]string{"--server", u.String(), "-d", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errb.String())
	}
	m := regexp.MustCompile(`Trace uploaded: \S+/app_traces/(\w+)`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no upload line:\n%s", errb.String())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var tr struct {
			Trace struct{ Status, StatusError string } `json:"trace"`
		}
		getAPI(t, base+"/api/traces/"+m[1], token, &tr)
		if tr.Trace.Status == "imported" {
			break
		}
		if tr.Trace.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("import: %s %s", tr.Trace.Status, tr.Trace.StatusError)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return dir, out.String(), m[1]
}

func request(t *testing.T, method, u, token string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func getAPI(t *testing.T, u, token string, v any) {
	t.Helper()
	code, b := request(t, "GET", u, token, nil)
	if code != 200 {
		t.Fatalf("GET %s: %d\n%s", u, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", u, err, b)
	}
}

type apiStats struct {
	Traces int          `json:"traces"`
	Result stats.Result `json:"result"`
}

// TestServeStatsSQLite: the server's dataset statistics, after real uploads,
// equal the package's on the same traces (the package's numbers are
// checked against the programs in the other tests); filters, CSV, the
// specialised-app flag behind the token, and the page in Chromium.
func TestServeStatsSQLite(t *testing.T) { serveStatsTest(t) }

// TestServeStatsPostgreSQL: the same on PostgreSQL (a throwaway cluster).
func TestServeStatsPostgreSQL(t *testing.T) { serveStatsTest(t, "--db", pgtest.ForTest(t)) }

func serveStatsTest(t *testing.T, db ...string) {
	ip := nonLoopback(t)
	const token = "stats-token"
	base := serveStats(t, token, db...)
	progDir, progOut, progKey := upload(t, base, token, statsbin, ip)
	curlDir, _, _ := upload(t, base, token, "curl", "-s", "-o", "/dev/null", base+"/healthz")

	var traces []*stats.Trace
	for _, d := range []string{progDir, curlDir} {
		traces = append(traces, accumulate(t, d, "").Trace())
	}
	check := func(query string, f stats.Filter, spec map[string]bool) statMap {
		t.Helper()
		var got apiStats
		getAPI(t, base+"/api/stats?"+query, token, &got)
		var want []stats.Stat
		jsonRound(t, stats.Compute(stats.Combine(traces, spec, f), stats.ScopeDataset), &want)
		if got.Traces != 2 || !reflect.DeepEqual(got.Result.Stats, want) {
			t.Errorf("/api/stats?%s: %d traces; statistics differ from the package's on the same traces", query, got.Traces)
			for i := range want {
				if i < len(got.Result.Stats) && !reflect.DeepEqual(got.Result.Stats[i], want[i]) {
					t.Errorf("first difference: %+v\nwant %+v", got.Result.Stats[i], want[i])
					break
				}
			}
		}
		return byID(got.Result.Stats)
	}
	global := check("", stats.Filter{}, nil)
	if global.count(t, "overview.traces") != 2 || global.count(t, "overview.apps") != 2 {
		t.Errorf("global: %v traces, %v apps; want 2 and 2", global.count(t, "overview.traces"), global.count(t, "overview.apps"))
	}
	remote := check("remote=yes", stats.Filter{Remote: "yes"}, nil)
	urCalls := map[string]float64{}
	for _, r := range parseRecs(t, progOut) {
		if r.sock == "ur" {
			urCalls[r.fn]++
		}
	}
	sameTable(t, remote, "overview.calls", urCalls)
	check("proto=udp&family=ipv6", stats.Filter{Proto: "udp", Family: "ipv6"}, nil)
	// The days of the two traces' first events: both in; the day after the
	// last: none.
	dayOf := func(usec int64) string { return time.UnixMicro(usec).UTC().Format("2006-01-02") }
	from, to := dayOf(traces[0].Info.StartUsec), dayOf(traces[1].Info.StartUsec)
	if got := check("from="+from+"&to="+to, stats.Filter{From: from, To: to}, nil).count(t, "overview.traces"); got != 2 {
		t.Errorf("from=%s&to=%s: %v traces, want 2", from, to, got)
	}
	after := dayOf(traces[1].Info.StartUsec + 24*3600*1e6)
	if got := check("from="+after, stats.Filter{From: after}, nil).count(t, "overview.traces"); got != 0 {
		t.Errorf("from=%s: %v traces, want 0", after, got)
	}

	// A bad filter: 400 naming it.
	if code, b := request(t, "GET", base+"/api/stats?remote=maybe", token, nil); code != 400 || !strings.Contains(string(b), "remote") {
		t.Errorf("remote=maybe: %d %s", code, b)
	}

	// CSV: as the JSON.
	code, b := request(t, "GET", base+"/stats.csv?app=curl", token, nil)
	if code != 200 {
		t.Fatalf("stats.csv: %d %s", code, b)
	}
	lines, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	curlOnly := byID(stats.Compute(stats.Combine(traces, nil, stats.Filter{App: "curl"}), stats.ScopeDataset))
	for _, l := range lines[1:] {
		if l[6] == "(total)" && l[7] != strconv.FormatFloat(curlOnly.get(t, l[2]).Total, 'f', -1, 64) {
			t.Errorf("CSV %s total %s, want %v", l[2], l[7], curlOnly.get(t, l[2]).Total)
		}
	}

	// Flagging curl network-specialised needs the token; then curl counts
	// only in the global segment.
	form := url.Values{"app": {"curl"}, "specialised": {"1"}}
	if code, _ := request(t, "POST", base+"/stats/specialised", "", form); code != 401 {
		t.Errorf("flag without the token: %d, want 401", code)
	}
	if code, b := request(t, "POST", base+"/stats/specialised", "wrong", form); code != 401 {
		t.Errorf("flag with a wrong token: %d %s, want 401", code, b)
	}
	if code, b := request(t, "POST", base+"/stats/specialised", token, form); code != 303 {
		t.Fatalf("flag with the token: %d %s, want 303", code, b)
	}
	spec := map[string]bool{"curl": true}
	if got := check("", stats.Filter{}, spec).count(t, "overview.apps"); got != 2 {
		t.Errorf("global with curl flagged: %v apps, want 2", got)
	}
	if got := check("os=Linux", stats.Filter{OS: "Linux"}, spec).count(t, "overview.apps"); got != 1 {
		t.Errorf("os=Linux with curl flagged: %v apps, want 1", got)
	}

	// One trace, one process, one socket: as the package computes them.
	acc := accumulate(t, progDir, "")
	scope := func(query string, want []stats.Stat) {
		t.Helper()
		var got apiStats
		getAPI(t, base+"/api/traces/"+progKey+"/stats"+query, "", &got)
		var w []stats.Stat
		jsonRound(t, want, &w)
		if !reflect.DeepEqual(got.Result.Stats, w) {
			t.Errorf("/api/traces/KEY/stats%s differs from the package's", query)
		}
	}
	scope("", stats.Compute(acc.Trace().Total(), stats.ScopeTrace))
	for name, a := range acc.Processes() {
		scope("?process="+name, stats.Compute(a, stats.ScopeProcess))
	}
	socketPage := ""
	for k, sk := range acc.Sockets() {
		if sk.Agg.Calls["writev"] > 0 {
			socketPage = base + "/app_traces/" + progKey + "/stats?process=" + k.Process + "&socket=" + strconv.Itoa(k.Index)
			scope("?process="+k.Process+"&socket="+strconv.Itoa(k.Index), append(stats.Compute(sk.Agg, stats.ScopeSocket), stats.SocketSeries(sk, 500)...))
		}
	}
	if code, _ := request(t, "GET", base+"/api/traces/"+progKey+"/stats?process=nosuch_000", "", nil); code != 404 {
		t.Errorf("statistics of a process that does not exist: %d, want 404", code)
	}

	if len(db) == 0 { // the page is the same on both databases
		pageInChromium(t, base, token, global, socketPage)
	}
}

// pageInChromium: the /stats page renders every statistic with its data
// table (total as in the JSON), a chart for each non-empty pie and CDF,
// loads nothing from elsewhere, and logs no error.
func pageInChromium(t *testing.T, base, token string, want statMap, socketPage string) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian package chromium, named in scripts/packages): the page is not checked in a browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	// --public: the page needs no token (a browser drops a URL's credentials)
	u, _ := url.Parse(base + "/stats")
	if err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.CSS("#statsfilter"))); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('div.stat')].map(d => ({
		id: d.dataset.stat, kind: d.dataset.kind,
		total: (d.querySelector('tr.total td.num') || d.querySelector('.value') || {}).textContent || '',
		chart: d.querySelector('svg.chart') ? 'yes' : 'no'}))`))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(foreign) > 0 {
		t.Errorf("the page loaded from elsewhere: %v", foreign)
	}
	if len(rows) != len(want) {
		t.Errorf("page shows %d statistics, the JSON has %d", len(rows), len(want))
	}
	for _, r := range rows {
		s, ok := want[r["id"]]
		if !ok {
			t.Errorf("page statistic %q not in the JSON", r["id"])
			continue
		}
		if len(s.Rows) == 0 {
			continue
		}
		if r["total"] != strconv.FormatFloat(s.Total, 'f', -1, 64) {
			t.Errorf("%s: page total %q, JSON %v", r["id"], r["total"], s.Total)
		}
		if (s.Kind == stats.KindPie || s.Kind == stats.KindCDF) && r["chart"] != "yes" {
			t.Errorf("%s (%s): no chart", r["id"], s.Kind)
		}
	}
	// A socket's page: its bytes over time drawn, as many steps as points.
	if err := chromedp.Do(ctx, chromedp.Navigate(socketPage), chromedp.WaitVisible(chromedp.CSS(`svg.chart.series`))); err != nil {
		t.Fatal(err)
	}
	steps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('div.stat[data-stat="series.sent"] polyline').getAttribute('points').trim().split(' ').length / 2`))
	if err != nil {
		t.Fatal(err)
	}
	if rows := countRows(t, socketPage, "series.sent"); steps != rows || rows == 0 {
		t.Errorf("socket page: series.sent drawn with %d steps, the JSON has %d points", steps, rows)
	}
	dir := filepath.Join(repoRoot, "build", "test-artifacts", "stats")
	if os.MkdirAll(dir, 0o755) == nil {
		os.WriteFile(filepath.Join(dir, "stats-page.png"), shot, 0o644)
	}
}

// countRows: the rows of one statistic in the JSON of a stats page URL.
func countRows(t *testing.T, pageURL, id string) int {
	t.Helper()
	u := strings.Replace(pageURL, "/app_traces/", "/api/traces/", 1)
	var got apiStats
	getAPI(t, u, "", &got)
	return len(byID(got.Result.Stats).get(t, id).Rows)
}

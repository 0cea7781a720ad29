package serve

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The list, trace, process, socket and events pages in headless Chromium:
// each renders its content, the plots hold data, and a screenshot of each
// is kept in build/test-artifacts/serve/ (or $TCPSNITCH_TEST_ARTIFACTS).
func TestPagesInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian package chromium; scripts/deps.sh installs it)")
	}
	s := startServe(t)
	web := webServer(t, 300000)
	dir := filepath.Join(t.TempDir(), "trace")
	r := tcpsnitch(t, "fetched one page in the browser test\nwifi\n", "-p", "-b", "4096", "-d", dir, "--server", s.URL,
		"curl", "-s", "-o", "/dev/null", web.URL+"/page")
	m := regexp.MustCompile(`Trace uploaded: (\S+)`).FindStringSubmatch(r.errOut)
	if r.code != 0 || m == nil {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	key := keyOf(t, m[1])
	tr := waitImported(t, s.URL, key)
	sock := tr.Sockets[0]
	for _, k := range tr.Sockets { // the socket that moved the page
		if k.BytesRecv > sock.BytesRecv {
			sock = k
		}
	}
	must(t, os.MkdirAll(artifacts, 0o755))

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// What goes wrong on the pages: exceptions, console errors, browser log
	// entries (a Content-Security-Policy refusal is one), requests to
	// anything but this server.
	var mu sync.Mutex
	var problems []string
	must(t, chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				problems = append(problems, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !strings.HasPrefix(u, s.URL+"/") && u != "about:blank" {
				problems = append(problems, "request to "+u)
			}
		}
	}))
	// The first call starts the browser: no timeout on it (it would stop the browser).
	must(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	_, err = chromedp.Run(bctx, chromedp.Action[cdp.Empty](func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
	}))
	must(t, err)
	ctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	socketURL := s.URL + "/app_traces/" + key + "/processes/" + sock.Process + "/sockets/" + strconv.Itoa(sock.Index)
	pages := []struct {
		name, url, wait string
		check           func(t *testing.T, text string)
	}{
		{"list", s.URL + "/app_traces", "#traces", func(t *testing.T, text string) {
			if !strings.Contains(text, "curl") || !strings.Contains(text, "wifi") || !strings.Contains(text, "imported") {
				t.Errorf("list page text lacks the trace:\n%s", text)
			}
		}},
		{"trace", s.URL + "/app_traces/" + key, "#meta", func(t *testing.T, text string) {
			for _, want := range []string{"fetched one page in the browser test", "curl -s -o /dev/null", "Linux", sock.Process, "Network settings"} {
				if !strings.Contains(text, want) {
					t.Errorf("trace page lacks %q", want)
				}
			}
		}},
		{"process", s.URL + "/app_traces/" + key + "/processes/" + sock.Process, "canvas.timeline", nil},
		{"socket", socketURL, "polyline.series", func(t *testing.T, text string) {
			if !strings.Contains(text, "recv") && !strings.Contains(text, "read") {
				t.Errorf("socket page's event table lacks the receive calls")
			}
		}},
		{"events", s.URL + "/app_traces/" + key + "/events?type=connect", "#events", func(t *testing.T, text string) {
			if !strings.Contains(text, "connect") {
				t.Errorf("events page lacks connect")
			}
		}},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(p.url), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s page: %v", p.name, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		must(t, err)
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		must(t, err)
		must(t, os.WriteFile(filepath.Join(artifacts, p.name+".png"), shot, 0o644))
		if p.check != nil {
			p.check(t, text)
		}
	}
	// The socket page's plots (drawn by the report's script, as in
	// tcpsnitch report --html) hold data: bars on the timeline, points in
	// the bytes and tcp_info plots, rows in the report's event table and in
	// the page's own paged table.
	must(t, chromedp.Do(ctx, chromedp.Navigate(socketURL), chromedp.WaitVisible(chromedp.CSS("polyline.series"))))
	points, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`(function(){
		var m = {bars: +document.querySelector('canvas.timeline').dataset.bars,
			reportRows: document.querySelectorAll('.tsr table.events tbody tr').length,
			rows: document.querySelectorAll('#events tr').length - 1};
		document.querySelectorAll('polyline.series').forEach(function(p){
			m[p.dataset.kind] = (m[p.dataset.kind] || 0) + p.points.numberOfItems; });
		return m; })()`))
	must(t, err)
	// The report's event table shows its events 100 to a page
	// (internal/report/page/assets/page.js, PAGE).
	const reportPageRows = 100
	tcpInfoPoints := 0
	for k, v := range points {
		if k != "bytes" && k != "bars" && k != "reportRows" && k != "rows" {
			tcpInfoPoints += v
		}
	}
	if points["bars"] == 0 || points["bytes"] == 0 || tcpInfoPoints == 0 || points["reportRows"] != int(min(sock.Events, reportPageRows)) ||
		points["rows"] != int(min(sock.Events, 200)) {
		t.Errorf("socket %s/%d (%d events): plots %v", sock.Process, sock.Index, sock.Events, points)
	}
	// The upload form: a browser's upload lands on the new trace's page.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/app_traces/new"), chromedp.WaitVisible(chromedp.CSS("#archive")),
		chromedp.SetUploadFiles(chromedp.CSS("#archive"), []string{filepath.Join(dir, "archive.tar.gz")}),
		chromedp.SetValue(chromedp.CSS("#workload"), "uploaded from the form"),
		chromedp.SetValue(chromedp.CSS("#connectivity"), "lte")))
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(artifacts, "new.png"), shot, 0o644))
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#meta"))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	formText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#meta")))
	must(t, err)
	if !strings.HasPrefix(loc, s.URL+"/app_traces/") || loc == s.URL+"/app_traces/"+key ||
		!strings.Contains(formText, "uploaded from the form") || !strings.Contains(formText, "lte") {
		t.Errorf("after the form's upload: at %s, page:\n%s", loc, formText)
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("problems on the pages: %v", problems)
	}
	mu.Unlock()
	t.Logf("screenshots in %s; socket page plots %v", artifacts, points)
}

package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// --html: the page opens in a real headless Chromium with no console error
// and no network request, and its plots have as many points as the JSON.
// A screenshot is kept in build/artifacts/report-page.png.
func TestReportHTMLInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("Debian's chromium is not installed (scripts/packages/report.txt; make deps installs it)")
	}
	dir, tr := reportTrace(t, "-b", "2000") // tcp_info every 2000 bytes: the RTT/cwnd plots
	page := filepath.Join(t.TempDir(), "report.html")
	r := tcpsnitch(t, "", "report", "--html", page, dir)
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	rep := reportJSON(t, dir)
	html, _ := os.ReadFile(page)
	if strings.Contains(string(html), "http://") || strings.Contains(string(html), "https://") {
		t.Error("the page names a web address (it must hold everything itself)")
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1300, 2400))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems, requests []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !strings.HasPrefix(u, "file://") {
				requests = append(requests, u)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(".tsr canvas.timeline")); err != nil {
		t.Fatal(err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`(function(){var m={};
		document.querySelectorAll("polyline.series").forEach(function(p){
			m[p.dataset.kind+" "+p.dataset.socket+" "+p.dataset.name]=p.points.numberOfItems;});return m;})()`))
	if err != nil {
		t.Fatal(err)
	}
	barsAttr, err := chromedp.Run(ctx, chromedp.AttributeValue("canvas.timeline", "data-bars"))
	if err != nil {
		t.Fatal(err)
	}
	bars := barsAttr.Value
	rowsShown, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.events tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	// The refused socket's events, failed calls only: its one connect.
	failedRows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(function(){
		document.querySelector('tr[data-socket="reportclient_000/1"]').click();
		document.querySelector("input.failed-filter").click();
		return document.querySelectorAll("table.events tbody tr.failed").length;})()`))
	if err != nil {
		t.Fatal(err)
	}
	// Hover over the first bar shows its socket; the wheel zooms the
	// timeline around the cursor (here its right end) and the plots follow:
	// their first point moves left.
	hover, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`(function(){
		var cv=document.querySelector("canvas.timeline"), r=cv.getBoundingClientRect();
		var x=r.left+r.width/2, y=r.top+18+7;
		cv.dispatchEvent(new MouseEvent("mousemove",{clientX:x,clientY:y,bubbles:true}));
		var tip=document.querySelector(".tsr .tip").textContent;
		var pl=document.querySelector('polyline.series[data-kind="bytes"]'), before=pl.points.getItem(0).x;
		cv.dispatchEvent(new WheelEvent("wheel",{clientX:r.right-12,clientY:y,deltaY:-100,bubbles:true,cancelable:true}));
		pl=document.querySelector('polyline.series[data-kind="bytes"]');
		return [tip, before, pl.points.getItem(0).x];})()`))
	if err != nil {
		t.Fatal(err)
	}
	if tip, _ := hover[0].(string); !strings.HasPrefix(tip, "reportclient_000/0  TCP4  127.0.0.1:") {
		t.Errorf("hover over the first bar shows %q", tip)
	}
	if before, after := hover[1].(float64), hover[2].(float64); !(after < before) {
		t.Errorf("zooming in at the end did not stretch the plot: first point x %v then %v", before, after)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(repoRoot, "build", "artifacts")
	os.MkdirAll(art, 0o755)
	if err := os.WriteFile(filepath.Join(art, "report-page.png"), png, 0o644); err != nil {
		t.Error(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 || len(requests) > 0 {
		t.Errorf("console problems %v, network requests %v", problems, requests)
	}
	if bars != "3" {
		t.Errorf("timeline has %s bars, want 3 sockets", bars)
	}
	// Every socket that moved bytes has a sent and a received line with as
	// many points as its series in the JSON.
	want := map[string]int{}
	for _, p := range rep.Processes {
		for _, s := range p.Sockets {
			if n := len(s.Series.Bytes); n > 0 {
				id := p.Name + "/" + strconv.Itoa(s.Index)
				want["bytes "+id+" sent"], want["bytes "+id+" received"] = n, n
			}
			if n := len(s.Series.TCPInfo); n > 0 {
				id := p.Name + "/" + strconv.Itoa(s.Index)
				want["rtt "+id+" rtt"], want["cwnd "+id+" cwnd"], want["retrans "+id+" retrans"] = n, n, n
			}
		}
	}
	if len(want) < 7 || !sameCounts(counts, want) {
		t.Errorf("plot points %v, JSON series %v", counts, want)
	}
	// The first socket's table: its events, a page of at most 100.
	if first := rep.Processes[0].Sockets[0]; rowsShown != min(first.Events, 100) {
		t.Errorf("event table shows %d rows, the socket has %d events", rowsShown, first.Events)
	}
	if failedRows != 1 {
		t.Errorf("failed-only filter on the refused socket shows %d rows, want its 1 connect", failedRows)
	}
	_ = tr
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

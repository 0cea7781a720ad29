package cli

import (
	"context"
	"fmt"
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
	needChromium(t)
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

	ctx, pageProblems := openPage(t, page)
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
	if p := pageProblems(); p != "" {
		t.Error(p)
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

func needChromium(t *testing.T) string {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("Debian's chromium is not installed (scripts/packages/report.txt; make deps installs it)")
	}
	return browser
}

// openPage opens a file in a fresh headless Chromium and returns the
// browser context and a function that says what went wrong on the page:
// exceptions, console errors or warnings, requests for anything but the
// file itself ("" when nothing).
func openPage(t *testing.T, page string) (context.Context, func() string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(needChromium(t)), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1300, 2400))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var problems, requests []string
	err := chromedp.Listen(ctx, func(ev any) {
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
	return ctx, func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 || len(requests) > 0 {
			return fmt.Sprintf("console problems %v, network requests %v", problems, requests)
		}
		return ""
	}
}

// With durations, a long call stands out: red on the timeline, bold in the
// event table, and the socket's connect and first-byte times are shown.
func TestReportHTMLLongCallsStandOut(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	line := func(typ string, ts, ret, dur int64, details string) string {
		return fmt.Sprintf(`{"type": %q, "timestamp_usec": %d, "return_value": %d, "success": true, "thread_id": 9, "fake_call": false, "duration_nsec": %d, "details": %s}`+"\n",
			typ, ts, ret, dur, details)
	}
	const t0 = 1700000000000000
	os.MkdirAll(filepath.Join(dir, "meta"), 0o755)
	for _, m := range []string{"app", "cmd", "kernel", "machine", "os", "version"} {
		os.WriteFile(filepath.Join(dir, "meta", m), []byte("x\n"), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "x_000"), 0o755)
	os.WriteFile(filepath.Join(dir, "x_000", "0.json"), []byte(
		line("socket", t0, 3, 1000, `{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0"}}`)+
			line("connect", t0+1000, 0, 900_000, `{"addr": {"sa_family": "AF_INET", "ip": "10.1.1.1", "port": "80"}}`)+
			line("send", t0+1100, 10, 20_000, `{"bytes": 10}`)+
			line("recv", t0+81100, 100, 80_000_000, `{"bytes": 100}`)+ // 80 ms: long
			line("close", t0+100000, 0, 3000, `{}`)), 0o644)
	page := filepath.Join(t.TempDir(), "page.html")
	if r := tcpsnitch(t, "", "report", "--html", page, dir); r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	ctx, pageProblems := openPage(t, page)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`(function(){
		var cv=document.querySelector("canvas.timeline"), g=cv.getContext("2d"), d=g.getImageData(0,0,cv.width,cv.height).data, red=0;
		for (var i=0;i<d.length;i+=4) if (d[i]==0xd6&&d[i+1]==0x30&&d[i+2]==0x31) red++;
		var long=[].map.call(document.querySelectorAll("table.events tbody tr.long td:nth-child(3)"),function(td){return td.textContent;});
		var cells=[].map.call(document.querySelectorAll("table.sockets tbody tr td"),function(td){return td.textContent;});
		return [red, long.join(","), cells.join("|"), document.querySelector(".tsr-root").innerText.indexOf("durations: unknown")>=0];})()`))
	if err != nil {
		t.Fatal(err)
	}
	if red, _ := got[0].(float64); red < 20 {
		t.Errorf("the 80 ms recv is not red on the timeline (%v red pixels)", red)
	}
	if got[1] != "recv" {
		t.Errorf("long rows in the event table: %q, want the recv", got[1])
	}
	if cells, _ := got[2].(string); !strings.Contains(cells, "|900.0 µs|81.0 ms|") {
		t.Errorf("socket row lacks connect 900 µs and first byte 81.0 ms (from the start of connect): %s", cells)
	}
	if got[3] != false {
		t.Error("the page says durations are unknown")
	}
	if p := pageProblems(); p != "" {
		t.Error(p)
	}
}

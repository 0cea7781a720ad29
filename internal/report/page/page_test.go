package page

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
)

func sample() *report.Report {
	sock := func(i int) *report.Socket {
		return &report.Socket{Index: i, Protocol: "TCP", Calls: map[string]int{"send": 1},
			Kept: []report.Call{{TimeUsec: 5, Type: "send", Return: 3, DurationNsec: -1, TID: 1, Line: 1}}}
	}
	return &report.Report{SchemaVersion: 1, Meta: map[string]string{"app": `x</script><script>alert(1)</script>`},
		Processes: []*report.Process{
			{Name: "a_000", App: "a", Sockets: []*report.Socket{sock(0), sock(1)}, Totals: report.Totals{Processes: 1, Sockets: 2}},
			{Name: "b_000", App: "b", Sockets: []*report.Socket{sock(0)}, Totals: report.Totals{Processes: 1, Sockets: 1}},
		}, Problems: []report.Problem{}}
}

var dataRe = regexp.MustCompile(`(?s)<script type="application/json" class="tsr-data">(.*?)</script>`)

// pageData is the page's data block as its script reads it.
type pageData struct {
	Report       *report.Report     `json:"report"`
	Events       map[string][][]any `json:"events"`
	LongCallNsec int64              `json:"long_call_nsec"`
}

func data(t *testing.T, html string) pageData {
	t.Helper()
	m := dataRe.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no data block in %q", html)
	}
	var d pageData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPageIsSelfContainedAndEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, sample()); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Count(html, "<script>alert") != 0 || strings.Contains(html, " src=") || strings.Contains(html, "<link") {
		t.Errorf("page loads something or lets a name out of its data block")
	}
	d := data(t, html)
	if d.Report.Meta["app"] != `x</script><script>alert(1)</script>` || fmt.Sprint(d.Events["a_000/1"]) != "[[5 send 3  -1 1 1]]" ||
		d.LongCallNsec != DefaultLongCallNsec {
		t.Errorf("data round trip: %+v", d)
	}
}

func TestFragmentsOfAProcessAndASocket(t *testing.T) {
	r := sample()
	var b bytes.Buffer
	if err := ProcessFragment(&b, r, "a_000", FragmentOptions{External: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<style>") || strings.Contains(b.String(), "<script>") {
		t.Error("External fragment carries inline assets")
	}
	d := data(t, b.String())
	if len(d.Report.Processes) != 1 || d.Report.Processes[0].Name != "a_000" || d.Report.Totals.Sockets != 2 {
		t.Errorf("process fragment: %+v", d.Report)
	}
	b.Reset()
	if err := SocketFragment(&b, r, "a_000", 1, FragmentOptions{}); err != nil {
		t.Fatal(err)
	}
	d = data(t, b.String())
	if len(d.Report.Processes[0].Sockets) != 1 || d.Report.Processes[0].Sockets[0].Index != 1 || !strings.Contains(b.String(), "<script>") {
		t.Errorf("socket fragment: %+v", d.Report.Processes[0])
	}
	if len(r.Processes) != 2 || len(r.Processes[0].Sockets) != 2 {
		t.Error("rendering a part changed the report")
	}
	if err := SocketFragment(&b, r, "a_000", 9, FragmentOptions{}); err == nil {
		t.Error("missing socket accepted")
	}
}

// Only the sockets the page plots carry their series into it.
func TestOnlyPlottedSeriesGoInThePage(t *testing.T) {
	p := &report.Process{Name: "a_000"}
	for i := 0; i < 12; i++ {
		p.Sockets = append(p.Sockets, &report.Socket{Index: i, BytesSent: int64(i), Calls: map[string]int{},
			Series: report.Series{Bytes: [][3]int64{{1, int64(i), 0}}, TCPInfo: [][4]int64{{1, 2, 3, 4}}}})
	}
	r := &report.Report{Meta: map[string]string{}, Processes: []*report.Process{p}}
	d := NewData(r)
	for i, s := range d.Report.Processes[0].Sockets {
		if got, want := len(s.Series.Bytes) > 0, i >= 2; got != want { // the 10 that sent most: 2..11
			t.Errorf("socket %d keeps its bytes series: %v", i, got)
		}
		if got, want := len(s.Series.TCPInfo) > 0, i < 10; got != want { // the first 10 sampled
			t.Errorf("socket %d keeps its tcp_info series: %v", i, got)
		}
	}
	if len(p.Sockets[0].Series.Bytes) != 1 {
		t.Error("the report itself lost a series")
	}
}

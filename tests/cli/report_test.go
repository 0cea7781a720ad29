package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/report/perfetto"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// truth is what reportclient counted itself, and what the servers counted.
type truth struct {
	tcpSent, tcpRecv, recvCalls, refused, udpSent int64
	srv                                           *server
	closedPort, udpPort                           string
	udpGot                                        *atomic.Int64
}

// reportTrace runs reportclient under tcpsnitch (-c: pcaps, and flags) against a
// counting HTTP server, a closed port and a counting UDP socket.
func reportTrace(t *testing.T, flags ...string) (string, *truth) {
	t.Helper()
	tr := &truth{srv: newServer(t, 30000), udpGot: &atomic.Int64{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, tr.closedPort, _ = net.SplitHostPort(l.Addr().String())
	l.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	_, tr.udpPort, _ = net.SplitHostPort(pc.LocalAddr().String())
	got := make(chan struct{})
	go func() {
		buf := make([]byte, 2000)
		for i := 0; i < 3; i++ {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				break
			}
			tr.udpGot.Add(int64(n))
		}
		close(got)
	}()
	dir := filepath.Join(t.TempDir(), "trace")
	args := append(append([]string{"-n", "-c", "-d", dir}, flags...), tool("reportclient"), tr.srv.port, tr.closedPort, tr.udpPort)
	r := tcpsnitch(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if _, err := fmt.Sscanf(r.out, "tcp_sent=%d tcp_recv=%d recv_calls=%d refused=%d udp_sent=%d",
		&tr.tcpSent, &tr.tcpRecv, &tr.recvCalls, &tr.refused, &tr.udpSent); err != nil || tr.refused != 1 {
		t.Fatalf("reportclient printed %q (%v)", r.out, err)
	}
	<-got
	return dir, tr
}

func reportJSON(t *testing.T, args ...string) *report.Report {
	t.Helper()
	r := tcpsnitch(t, "", append([]string{"report", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("report --json %v: exit %d, stderr %q", args, r.code, r.errOut)
	}
	var rep report.Report
	dec := json.NewDecoder(strings.NewReader(r.out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("report --json is not the documented schema: %v\n%s", err, r.out)
	}
	return &rep
}

// socketTo finds the socket whose remote endpoint is 127.0.0.1:port.
func socketTo(t *testing.T, rep *report.Report, port string) *report.Socket {
	t.Helper()
	for _, p := range rep.Processes {
		for _, s := range p.Sockets {
			if s.Remote == "127.0.0.1:"+port {
				return s
			}
		}
	}
	t.Fatalf("no socket to port %s in the report", port)
	return nil
}

func TestReportJSONAgainstKnownTraffic(t *testing.T) {
	dir, tr := reportTrace(t)
	rep := reportJSON(t, dir)
	if rep.SchemaVersion != 1 || rep.Meta["app"] != "reportclient" || len(rep.Problems) != 0 {
		t.Fatalf("schema %d, app %q, problems %v", rep.SchemaVersion, rep.Meta["app"], rep.Problems)
	}
	if len(rep.Processes) != 1 || rep.Processes[0].Name != "reportclient_000" || rep.Processes[0].PID == 0 ||
		!strings.HasPrefix(rep.Processes[0].Command, tool("reportclient")+" ") {
		t.Fatalf("processes: %+v", rep.Processes)
	}

	web := socketTo(t, rep, tr.srv.port)
	if web.Protocol != "TCP" || web.Family != "IPv4" || web.Proto() != "TCP4" {
		t.Errorf("web socket protocol %s/%s", web.Protocol, web.Family)
	}
	if web.BytesSent != tr.tcpSent || web.BytesSent != tr.srv.read.Load() {
		t.Errorf("bytes_sent %d; the client sent %d, the server read %d", web.BytesSent, tr.tcpSent, tr.srv.read.Load())
	}
	if web.BytesRecv != tr.tcpRecv || web.BytesRecv != tr.srv.written.Load() {
		t.Errorf("bytes_received %d; the client received %d, the server wrote %d", web.BytesRecv, tr.tcpRecv, tr.srv.written.Load())
	}
	wantCalls := map[string]int{"socket": 1, "connect": 1, "send": 1, "recv": int(tr.recvCalls), "close": 1}
	if fmt.Sprint(web.Calls) != fmt.Sprint(wantCalls) || web.FailedCalls != 0 || len(web.Failures) != 0 {
		t.Errorf("web calls %v failures %v, want %v and none", web.Calls, web.Failures, wantCalls)
	}
	if web.Events != 4+int(tr.recvCalls) || web.DurationUsec != web.LastUsec-web.FirstUsec || web.DurationUsec <= 0 {
		t.Errorf("web events %d, duration %d", web.Events, web.DurationUsec)
	}
	if web.Timing.FirstByteNsec == nil || *web.Timing.FirstByteNsec <= 0 || web.Local == "" {
		t.Errorf("web timing %+v local %q", web.Timing, web.Local)
	}
	if n := len(web.Series.Bytes); n == 0 || web.Series.Bytes[n-1] != [3]int64{web.Series.Bytes[n-1][0], tr.tcpSent, tr.tcpRecv} {
		t.Errorf("bytes series ends at %v, want totals %d/%d", web.Series.Bytes, tr.tcpSent, tr.tcpRecv)
	}
	// The pcap (-c) saw the same payload as the program moved.
	if w := web.Wire; w == nil || w.Error != "" || w.PayloadSent != tr.tcpSent || w.PayloadRecv != tr.tcpRecv ||
		w.Warning != "" || w.HandshakeUs == nil || w.Packets < 6 {
		t.Errorf("wire %+v, want payload %d/%d", web.Wire, tr.tcpSent, tr.tcpRecv)
	}

	ref := socketTo(t, rep, tr.closedPort)
	if ref.FailedCalls != 1 || len(ref.Failures) != 1 || ref.Failures[0] != (report.Failure{Function: "connect", Errno: "ECONNREFUSED", Count: 1}) {
		t.Errorf("refused socket failures %d %+v", ref.FailedCalls, ref.Failures)
	}

	udp := socketTo(t, rep, tr.udpPort)
	if udp.Protocol != "UDP" || udp.BytesSent != tr.udpSent || udp.BytesSent != tr.udpGot.Load() || udp.Calls["sendto"] != 3 || udp.BytesRecv != 0 {
		t.Errorf("udp socket %s sent %d calls %v; the client sent %d, the server got %d", udp.Protocol, udp.BytesSent, udp.Calls, tr.udpSent, tr.udpGot.Load())
	}

	// Totals, against the trace files themselves.
	p := onlyProcess(t, dir, "reportclient")
	events := 0
	for _, s := range p.Sockets {
		events += len(s.Events)
	}
	want := report.Totals{Processes: 1, Sockets: 3, Events: events, BytesSent: tr.tcpSent + tr.udpSent, BytesReceived: tr.tcpRecv, FailedCalls: 1}
	if rep.Totals != want || rep.Processes[0].Totals != want {
		t.Errorf("totals %+v / %+v, want %+v", rep.Totals, rep.Processes[0].Totals, want)
	}

	// The same trace as archive.tar.gz and as a .zip gives the same numbers.
	tgz, err := archive.Create(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	zipped := zipDir(t, dir)
	for _, a := range []string{tgz, zipped} {
		ar := reportJSON(t, a)
		if ar.Totals != want || len(ar.Problems) != 0 || socketTo(t, ar, tr.srv.port).Wire == nil {
			t.Errorf("%s: totals %+v problems %v", filepath.Base(a), ar.Totals, ar.Problems)
		}
	}
}

func zipDir(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "trace.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasSuffix(path, ".tar.gz") {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(dir), path)
		w, _ := zw.Create(filepath.ToSlash(rel))
		f, _ := os.Open(path)
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	zw.Close()
	os.WriteFile(out, buf.Bytes(), 0o644)
	return out
}

func TestReportTerminal(t *testing.T) {
	dir, tr := reportTrace(t)
	r := tcpsnitch(t, "", "report", dir)
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	for _, want := range []string{
		"reportclient_000  pid ", "TCP4   127.0.0.1:", "→ 127.0.0.1:" + tr.srv.port, "UDP4", "connect ECONNREFUSED ×1",
		"Total: 1 process, 3 sockets, ", "Call durations: unknown",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("report lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "\x1b[") {
		t.Error("colour codes written to a pipe")
	}
	for _, l := range strings.Split(r.out, "\n") {
		if n := len([]rune(l)); n > 100 {
			t.Errorf("line of %d columns (want at most 100 off a terminal): %q", n, l)
		}
	}
	// --sort bytes puts the web socket first; --socket keeps one.
	r = tcpsnitch(t, "", "report", "--sort", "errors", "--socket", "1", dir)
	if r.code != 0 || !strings.Contains(r.out, "Total: 1 process, 1 socket, ") || !strings.Contains(r.out, "ECONNREFUSED") {
		t.Errorf("--socket 1: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = tcpsnitch(t, "", "report", "--process", "nosuch_000", dir)
	if r.code != 2 || !strings.Contains(r.errOut, "reportclient_000") {
		t.Errorf("--process nosuch_000: exit %d stderr %q", r.code, r.errOut)
	}
	r = tcpsnitch(t, "", "report", "--sort", "size", dir)
	if r.code != 2 || !strings.Contains(r.errOut, "bytes") {
		t.Errorf("--sort size: exit %d stderr %q", r.code, r.errOut)
	}
}

func TestReportRefusesWhatIsNotATrace(t *testing.T) {
	notTrace := t.TempDir()
	os.WriteFile(filepath.Join(notTrace, "notes.txt"), []byte("hello"), 0o644)
	for _, path := range []string{notTrace, filepath.Join(notTrace, "notes.txt"), filepath.Join(notTrace, "missing")} {
		r := tcpsnitch(t, "", "report", path)
		if r.code != 1 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, path) || r.out != "" {
			t.Errorf("report %s: exit %d, stdout %q, stderr %q (want one line naming it)", path, r.code, r.out, r.errOut)
		}
	}
}

// A damaged trace: each problem is named with its file and line, and the
// rest of the trace is still summarised.
func TestReportDamagedTrace(t *testing.T) {
	dir, tr := reportTrace(t)
	p := onlyProcess(t, dir, "reportclient")
	web := connectedSocket(t, p, tr.srv.port)
	os.RemoveAll(filepath.Join(dir, "meta", "os"))
	b, _ := os.ReadFile(web.Path)
	lines := strings.SplitAfter(string(b), "\n")
	// line 2 becomes garbage, an unknown type goes after it, the last line is cut.
	damaged := lines[0] + "this is not json\n" + strings.Replace(lines[1], `"type": "`, `"type": "frobnicate`, 1) +
		strings.Join(lines[2:len(lines)-2], "") + lines[len(lines)-2][:20]
	os.WriteFile(web.Path, []byte(damaged), 0o644)
	r := tcpsnitch(t, "", "report", dir)
	rel := filepath.Base(filepath.Dir(web.Path)) + "/" + filepath.Base(web.Path)
	for _, want := range []string{
		rel + ":2: not JSON", rel + ":3: unknown event type \"frobnicate", fmt.Sprintf("%s:%d: truncated last line", rel, len(lines)),
		"meta/os: missing meta file",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if r.code != 0 || !strings.Contains(r.out, "Total: 1 process, 3 sockets, ") || !strings.Contains(r.out, "ECONNREFUSED") {
		t.Errorf("the rest is not summarised: exit %d\n%s", r.code, r.out)
	}
	rep := reportJSON(t, dir)
	if len(rep.Problems) != 4 {
		t.Errorf("problems %+v", rep.Problems)
	}
}

// --perfetto: the file follows the Trace Event Format's rules and has one
// slice per call of the trace, on its thread.
func TestReportPerfetto(t *testing.T) {
	dir, _ := reportTrace(t)
	out := filepath.Join(t.TempDir(), "trace.json")
	r := tcpsnitch(t, "", "report", "--perfetto", out, dir)
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	slices, err := perfetto.Check(b)
	if err != nil {
		t.Fatal(err)
	}
	// Per thread: calls and the sum of their durations (ns), from the
	// trace's own lines.
	tr, _ := tracefile.Open(dir)
	want, wantNs := map[int64]int{}, map[int64]int64{}
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			f, _ := os.Open(s.Path)
			tracefile.Scan(f, s.Path, func(e *tracefile.Raw) error {
				if !e.FakeCall {
					want[e.ThreadID]++
					wantNs[e.ThreadID] += max(e.DurationNsec, 0)
				}
				return nil
			}, func(p tracefile.Problem) { t.Errorf("trace damaged: %v", p) })
			f.Close()
		}
	}
	got, gotNs := map[int64]int{}, map[int64]int64{}
	for _, s := range slices {
		if s.Cat == "call" {
			got[s.TID]++
			gotNs[s.TID] += int64(s.Dur*1000 + 0.5)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("call slices per thread %v, trace calls per thread %v", got, want)
	}
	// Slices may start up to a microsecond late so that they nest (the
	// timestamps are in µs): at most 1000 ns less per slice.
	for tid, ns := range wantNs {
		if d := ns - gotNs[tid]; d < 0 || d > int64(1000*want[tid]) {
			t.Errorf("thread %d: slices last %d ns, the trace's calls %d ns", tid, gotNs[tid], ns)
		}
	}
}

// When the application's byte counts and the pcap's disagree, the report
// says so. The trace is edited so that the send seems to have moved 5
// bytes fewer than the wire carried.
func TestReportWarnsWhenWireDisagrees(t *testing.T) {
	dir, tr := reportTrace(t)
	web := connectedSocket(t, onlyProcess(t, dir, "reportclient"), tr.srv.port)
	b, _ := os.ReadFile(web.Path)
	ret := fmt.Sprintf(`"return_value": %d`, tr.tcpSent)
	i := strings.Index(string(b), `"type": "send", `)
	j := strings.Index(string(b[max(i, 0):]), ret)
	if i < 0 || j < 0 {
		t.Fatalf("no send of %d bytes in %s", tr.tcpSent, b)
	}
	edited := string(b[:i+j]) + fmt.Sprintf(`"return_value": %d`, tr.tcpSent-5) + string(b[i+j+len(ret):])
	os.WriteFile(web.Path, []byte(edited), 0o644)
	rep := reportJSON(t, dir)
	s := socketTo(t, rep, tr.srv.port)
	want := fmt.Sprintf("the application sent %d and received %d bytes, the wire carried %d and %d bytes of payload",
		tr.tcpSent-5, tr.tcpRecv, tr.tcpSent, tr.tcpRecv)
	if s.Wire == nil || s.Wire.Warning != want {
		t.Errorf("wire %+v, want warning %q", s.Wire, want)
	}
	r := tcpsnitch(t, "", "report", dir)
	if !strings.Contains(r.out, "warning: the application sent") {
		t.Errorf("terminal report has no warning:\n%s", r.out)
	}
}

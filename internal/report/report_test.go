package report_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/report/perfetto"
)

// ev writes one event line; dur < 0 leaves duration_nsec out.
func ev(typ string, tsUsec, ret int64, errno string, tid int64, dur int64, details string) string {
	s := fmt.Sprintf(`{"type": %q, "timestamp_usec": %d, "return_value": %d, "success": %v, `, typ, tsUsec, ret, errno == "")
	if errno != "" {
		s += fmt.Sprintf(`"errno": %q, `, errno)
	}
	s += fmt.Sprintf(`"thread_id": %d, "fake_call": %v, `, tid, typ == "tcp_info")
	if dur >= 0 {
		s += fmt.Sprintf(`"duration_nsec": %d, `, dur)
	}
	if details == "" {
		details = "{}"
	}
	return s + `"details": ` + details + "}\n"
}

const (
	t0       = 1700000000000000
	sockInfo = `{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0", "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}`
	addr     = `{"addr": {"sa_family": "AF_INET", "ip": "10.0.0.2", "port": "443"}}`
)

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A trace with durations: a blocking connect of 2 ms, a send, a poll that
// watched sockets 0 and 1 (one call, in both files), two receives.
func durationTrace(t *testing.T) string {
	dir := t.TempDir()
	for _, m := range []string{"app", "cmd", "kernel", "machine", "os", "version"} {
		write(t, filepath.Join(dir, "meta", m), "x\n")
	}
	write(t, filepath.Join(dir, "meta", "app"), "app\n")
	write(t, filepath.Join(dir, "meta", "cmd"), "app --flag\n")
	s0 := ev("socket", t0, 3, "", 7, 1000, sockInfo) +
		ev("connect", t0+2100, 0, "", 7, 2_000_000, addr) +
		ev("send", t0+2200, 100, "", 7, 50_000, `{"bytes": 100}`) +
		ev("poll", t0+5200, 1, "", 7, 3_000_000, `{"returned_events": {"POLLIN": true}}`) +
		ev("tcp_info", t0+5300, 0, "", 7, -1, `{"rtt": 1500, "snd_cwnd": 10, "total_retrans": 0}`) +
		ev("recv", t0+5400, 400, "", 7, 100_000, `{"bytes": 4096}`) +
		ev("tcp_info", t0+5500, 0, "", 7, -1, `{"rtt": 2500, "snd_cwnd": 14, "total_retrans": 1}`) +
		ev("recv", t0+5600, -1, "EAGAIN", 7, 10_000, `{"bytes": 4096}`) +
		ev("close", t0+6000, 0, "", 7, 5_000, "")
	s1 := ev("socket", t0+100, 4, "", 7, 1000, sockInfo) +
		ev("poll", t0+5200, 1, "", 7, 3_000_000, `{"returned_events": {"POLLIN": false}}`)
	write(t, filepath.Join(dir, "app_000", "0.json"), s0)
	write(t, filepath.Join(dir, "app_000", "1.json"), s1)
	write(t, filepath.Join(dir, "app_000", "dns.json"),
		ev("getaddrinfo", t0, 0, "", 7, 500, `{"name": "example.org", "addresses": [{"ip": "10.0.0.2"}]}`))
	write(t, filepath.Join(dir, "app_000", "logs.txt"), "[1.0] INFO  [pid 4242] tcpsnitch: 11 events recorded, 0 dropped, 2 sockets\n")
	return dir
}

func TestDurationsAndTotals(t *testing.T) {
	r, err := report.Build(durationTrace(t), report.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !r.DurationsKnown || len(r.Problems) != 0 || len(r.Processes) != 1 {
		t.Fatalf("durations %v problems %v", r.DurationsKnown, r.Problems)
	}
	p := r.Processes[0]
	if p.PID != 4242 || p.Command != "app --flag" || len(p.Lookups) != 1 || p.Lookups[0].Name != "example.org" {
		t.Errorf("process %+v", p)
	}
	s := p.Sockets[0]
	if s.Host != "example.org" || s.Remote != "10.0.0.2:443" || s.BytesSent != 100 || s.BytesRecv != 400 || s.Events != 9 {
		t.Errorf("socket 0: %+v", s)
	}
	want := func(name string, got *int64, v int64) {
		if got == nil || *got != v {
			t.Errorf("%s = %v, want %d", name, got, v)
		}
	}
	want("connect", s.Timing.ConnectNsec, 2_000_000)
	// From the start of connect (t0+100 µs) to the end of the first recv with data (t0+5400 µs).
	want("first byte", s.Timing.FirstByteNsec, 5_300_000)
	want("read", s.Timing.ReadNsec, 110_000)
	want("write", s.Timing.WriteNsec, 50_000)
	want("wait", s.Timing.WaitNsec, 3_000_000)
	ti := s.TCPInfo
	if ti == nil || ti.Samples != 2 || ti.RTTMinUsec != 1500 || ti.RTTAvgUsec != 2000 || ti.RTTMaxUsec != 2500 || ti.MaxCwnd != 14 || ti.TotalRetrans != 1 {
		t.Errorf("tcp_info %+v", ti)
	}
	if len(s.LongCalls) == 0 || s.LongCalls[0].Type != "poll" || s.LongCalls[1].Type != "connect" {
		t.Errorf("long calls %+v", s.LongCalls)
	}
	// One thread: the poll is one call though it is in both files.
	// Calls: 9-2 tcp_info + 1 socket of file 1 = 8; inside them 1000+2ms+50µs+3ms+100µs+10µs+5µs+1000.
	th := p.Threads[0]
	if th.TID != 7 || th.Calls != 8 || th.InCallsNsec == nil || *th.InCallsNsec != 5_167_000 {
		t.Errorf("thread %+v in %v", th, th.InCallsNsec)
	}
	if th.SpanUsec != 6001 || th.Share == nil || fmt.Sprintf("%.4f", *th.Share) != fmt.Sprintf("%.4f", 5.167/6.001) {
		t.Errorf("thread span %d share %v", th.SpanUsec, *th.Share)
	}
	if r.Totals != (report.Totals{Processes: 1, Sockets: 2, Events: 11, BytesSent: 100, BytesReceived: 400, FailedCalls: 1}) {
		t.Errorf("totals %+v", r.Totals)
	}
}

func TestPerfettoSlicesMatchTheTrace(t *testing.T) {
	dir := durationTrace(t)
	o := report.DefaultOptions()
	c := perfetto.NewCollector()
	o.Sink = c
	r, err := report.Build(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := c.Write(w, r); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	slices, err := perfetto.Check(b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	// One slice per call (the poll in both files: twice, nested), its
	// duration the event's, ending at the event's timestamp.
	var calls []perfetto.Slice
	lifetimes := 0
	for _, s := range slices {
		switch s.Cat {
		case "call":
			calls = append(calls, s)
		case "socket":
			lifetimes++
			if s.TID < perfetto.SocketTIDBase {
				t.Errorf("socket track on a thread's tid: %+v", s)
			}
		}
	}
	if len(calls) != 9 || lifetimes != 2 {
		t.Fatalf("%d call slices (want 9), %d socket tracks (want 2)", len(calls), lifetimes)
	}
	var total float64
	for _, s := range calls {
		if s.PID != 4242 || s.TID != 7 {
			t.Errorf("slice %s on pid %d tid %d", s.Name, s.PID, s.TID)
		}
		if s.Name == "connect" && (s.Dur != 2000 || s.Ts+s.Dur != float64(t0+2100) || s.Args["address"] != "10.0.0.2:443") {
			t.Errorf("connect slice %+v", s)
		}
		if s.Name == "recv" && s.Args["errno"] == "EAGAIN" && s.Dur != 10 {
			t.Errorf("failed recv slice %+v", s)
		}
		total += s.Dur
	}
	if total != 1+2000+50+3000+100+10+5+1+3000 {
		t.Errorf("slice durations sum to %v µs", total)
	}
	if !strings.Contains(b.String(), `"name":"socket 0 tcp_info","pid":4242,"ts":1700000000005300.000,"args":{"rtt_usec":1500,"cwnd":10}`) {
		t.Errorf("no tcp_info counter:\n%s", b.String())
	}
}

// Traces without durations still open: slices have no width, and the
// report says durations are unknown.
func TestWithoutDurations(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app_000", "0.json"), ev("socket", t0, 3, "", 7, -1, sockInfo)+ev("connect", t0+10, 0, "", 7, -1, addr))
	c := perfetto.NewCollector()
	o := report.DefaultOptions()
	o.Sink = c
	r, err := report.Build(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.DurationsKnown || r.Processes[0].Sockets[0].Timing.ConnectNsec != nil || r.Processes[0].Threads[0].InCallsNsec != nil {
		t.Errorf("durations claimed: %+v", r.Processes[0])
	}
	if len(r.Problems) != 1 || r.Problems[0].File != "meta/" {
		t.Errorf("missing meta/ not reported: %v", r.Problems)
	}
	var text bytes.Buffer
	report.WriteText(&text, r, report.TextOptions{Width: 80})
	if !strings.Contains(text.String(), "Call durations: unknown") {
		t.Errorf("text:\n%s", text.String())
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	c.Write(w, r)
	w.Flush()
	slices, err := perfetto.Check(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slices {
		if s.Cat == "call" && s.Dur != 0 {
			t.Errorf("slice with a width without durations: %+v", s)
		}
	}
}

func TestSeriesKeepsFirstAndLastPoints(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(ev("socket", t0, 3, "", 7, -1, sockInfo))
	for i := 1; i <= 10000; i++ {
		b.WriteString(ev("send", t0+int64(i), 10, "", 7, -1, `{"bytes": 10}`))
	}
	write(t, filepath.Join(dir, "app_000", "0.json"), b.String())
	r, err := report.Build(dir, report.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pts := r.Processes[0].Sockets[0].Series.Bytes
	if len(pts) < 150 || len(pts) > 301 || pts[0] != [3]int64{t0 + 1, 10, 0} || pts[len(pts)-1] != [3]int64{t0 + 10000, 100000, 0} {
		t.Fatalf("%d points, first %v last %v", len(pts), pts[0], pts[len(pts)-1])
	}
	for i := 1; i < len(pts); i++ {
		if pts[i][0] <= pts[i-1][0] || pts[i][1] <= pts[i-1][1] {
			t.Fatalf("points out of order at %d: %v %v", i, pts[i-1], pts[i])
		}
	}
}

func TestRunLine(t *testing.T) {
	dir := durationTrace(t)
	got := report.RunLine(dir, nil, report.Totals{Processes: 1, Sockets: 2, Events: 11})
	want := "1 process, 2 sockets, 11 events, 100 B sent, 400 B received, 1 failed call. See it with: tcpsnitch report " + dir
	if got != want {
		t.Errorf("run line\n got %q\nwant %q", got, want)
	}
	// A big trace is not read again: the caller's counts are the line.
	got = report.RunLine(dir, nil, report.Totals{Processes: 3, Sockets: 40000, Events: 1 << 20})
	if want := "3 processes, 40000 sockets, 1048576 events. See it with: tcpsnitch report " + dir; got != want {
		t.Errorf("big trace run line %q", got)
	}
	if got := report.RunLine("/a dir/it's", nil, report.Totals{Events: 1 << 20}); !strings.HasSuffix(got, `report '/a dir/it'\''s'`) {
		t.Errorf("quoting: %q", got)
	}
	// Only this run's processes: another run's in the same directory are
	// not counted.
	if got := report.RunLine(dir, []string{"app_000", "other_000"}, report.Totals{}); !strings.HasPrefix(got, "1 process, 2 sockets, 11 events, ") {
		t.Errorf("run line of this run's processes: %q", got)
	}
	if got := report.RunLine(dir, []string{"other_000"}, report.Totals{Processes: 1}); got != "" {
		t.Errorf("run line of a run whose process wrote nothing: %q", got)
	}
	if got := report.RunLine(dir, []string{}, report.Totals{}); got != "" {
		t.Errorf("run line of a run with no process: %q", got)
	}
}

// A recv with MSG_PEEK leaves its bytes in the socket for the next read
// (socat's UDP listener peeks at each datagram, then its child reads it):
// the report counts the bytes once, as they crossed.
func TestPeekedBytesCountOnce(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "meta", "app"), "app\n")
	peek := `{"bytes": 1, "flags": {"MSG_PEEK": true, "MSG_TRUNC": true}}`
	write(t, filepath.Join(dir, "app_000", "0.json"),
		ev("socket", t0, 3, "", 7, 1000, sockInfo)+
			ev("connect", t0+100, 0, "", 7, 1000, addr)+
			ev("recvmsg", t0+200, 300, "", 7, 1000, peek)+
			ev("recvfrom", t0+300, 300, "", 7, 1000, `{"bytes": 8192, "flags": {"MSG_PEEK": false}}`))
	r, err := report.Build(dir, report.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Processes[0].Sockets[0].BytesRecv; got != 300 {
		t.Fatalf("bytes received %d, want 300 (the peeked 300 are the same bytes)", got)
	}
}

// A fork child's inherited sockets start with forked_socket, which says
// where the socket is bound and connected: a forked server's connection
// shows its client, its inherited listener shows as listening.
func TestForkedSocketsShowTheirEndpoints(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "meta", "app"), "app\n")
	conn := `{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0", "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}, "fd": 5, ` +
		`"sockname": {"sa_family": "AF_INET", "ip": "127.0.0.1", "port": "5432"}, "peername": {"sa_family": "AF_INET", "ip": "127.0.0.1", "port": "40000"}}`
	lst := `{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0", "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}, "fd": 3, ` +
		`"sockname": {"sa_family": "AF_INET", "ip": "0.0.0.0", "port": "5432"}, "listening": true}`
	write(t, filepath.Join(dir, "app_001", "0.json"), ev("forked_socket", t0, 0, "", 8, -1, lst))
	write(t, filepath.Join(dir, "app_001", "1.json"), ev("forked_socket", t0, 0, "", 8, -1, conn)+
		ev("send", t0+100, 10, "", 8, 1000, `{"bytes": 10}`))
	r, err := report.Build(dir, report.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	socks := r.Processes[0].Sockets
	if got := socks[0].Endpoints(); got != "0.0.0.0:5432 (listening)" {
		t.Errorf("inherited listener: %q", got)
	}
	if got := socks[1].Endpoints(); got != "127.0.0.1:5432 → 127.0.0.1:40000" {
		t.Errorf("inherited connection: %q", got)
	}
}

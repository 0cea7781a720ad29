package stats

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// feed parses event lines (as the shim writes them) into one socket.
func feed(t *testing.T, acc *Accumulator, proc string, idx int, lines ...string) {
	t.Helper()
	for _, l := range lines {
		ev, err := tracefile.ParseEvent([]byte(l))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		acc.Event(proc, idx, FromTrace(ev))
	}
}

func ev(typ string, ret int64, errno string, details string) string {
	succ := "true"
	e := ""
	if errno != "" {
		succ, e = "false", `, "errno": "`+errno+`"`
	}
	return `{"type": "` + typ + `", "timestamp_usec": 1000, "return_value": ` + itoa(ret) + `, "success": ` + succ + e +
		`, "thread_id": 7, "fake_call": ` + map[bool]string{true: "true", false: "false"}[typ == "forked_socket" || typ == "tcp_info"] +
		`, "details": ` + details + `}`
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRemoteFlag(t *testing.T) {
	sock := `{"sock_info": {"domain": "AF_INET6", "type": "SOCK_DGRAM", "protocol": 0, "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}`
	cases := []struct {
		name   string
		lines  []string
		remote bool
	}{
		{"v4-mapped loopback connect", []string{ev("connect", 0, "", `{"addr": {"sa_family": "AF_INET6", "ip": "::ffff:127.0.0.1", "port": "80"}}`)}, false},
		{"refused connect to a remote host", []string{ev("connect", -1, "ECONNREFUSED", `{"addr": {"sa_family": "AF_INET", "ip": "192.0.2.9", "port": "80"}}`)}, false},
		{"non-blocking connect in progress", []string{ev("connect", -1, "EINPROGRESS", `{"addr": {"sa_family": "AF_INET", "ip": "192.0.2.9", "port": "80"}}`)}, true},
		// The original's flag was overwritten by later events: a remote
		// exchange followed by a loopback one must stay remote.
		{"remote then loopback datagrams", []string{
			ev("sendto", 3, "", `{"bytes": 3, "flags": {}, "addr": {"sa_family": "AF_INET6", "ip": "2001:db8::1", "port": "53"}}`),
			ev("sendto", 3, "", `{"bytes": 3, "flags": {}, "addr": {"sa_family": "AF_INET6", "ip": "::1", "port": "53"}}`)}, true},
		{"recvmsg from a remote host", []string{ev("recvmsg", 5, "", `{"bytes": 9, "flags": {}, "msghdr": {"iovec": {"iovec_count": 1, "iovec_sizes": [9]}, "addr": {"sa_family": "AF_INET", "ip": "198.51.100.1", "port": "9"}}}`)}, true},
		{"sendmmsg: only transmitted entries count", []string{ev("sendmmsg", 1, "", `{"bytes": 9, "flags": {}, "mmsghdr_count": 2, "mmsghdr_vec": [
			{"transmitted_bytes": 4, "msghdr": {"addr": {"sa_family": "AF_INET", "ip": "127.0.0.1", "port": "9"}}},
			{"transmitted_bytes": 0, "msghdr": {"addr": {"sa_family": "AF_INET", "ip": "198.51.100.1", "port": "9"}}}]}`)}, false},
		{"unspecified address", []string{ev("connect", 0, "", `{"addr": {"sa_family": "AF_INET", "ip": "0.0.0.0", "port": "80"}}`)}, false},
	}
	for _, c := range cases {
		acc := NewAccumulator(TraceInfo{App: "x"})
		acc.KeepSockets = true
		feed(t, acc, "x_000", 0, append([]string{ev("socket", 3, "", sock)}, c.lines...)...)
		acc.Flush()
		s := acc.Socket(SocketKey{"x_000", 0})
		if s.Class.Remote != c.remote {
			t.Errorf("%s: remote = %v, want %v", c.name, s.Class.Remote, c.remote)
		}
	}
}

func TestMmsgBytesAndFakeCalls(t *testing.T) {
	acc := NewAccumulator(TraceInfo{App: "x"})
	sock := `{"sock_info": {"domain": "AF_INET", "type": "SOCK_DGRAM", "protocol": 0, "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}`
	feed(t, acc, "x_001", 0,
		ev("forked_socket", 3, "", sock),
		ev("sendmmsg", 1, "", `{"bytes": 9, "flags": {"MSG_DONTWAIT": true}, "mmsghdr_count": 2, "mmsghdr_vec": [{"transmitted_bytes": 4}, {"transmitted_bytes": 5}]}`),
		ev("tcp_info", 0, "", `{"rtt": 250, "snd_cwnd": 10}`))
	acc.Flush()
	a := acc.Trace().Total()
	if a.Events != 1 || a.Calls["forked_socket"] != 0 || a.Calls["tcp_info"] != 0 {
		t.Errorf("fake events counted: events %d, calls %v", a.Events, a.Calls)
	}
	if a.BytesSent() != 4 {
		t.Errorf("sendmmsg that sent 1 message of 4 bytes: %d bytes", a.BytesSent())
	}
	if a.TCPInfoRTT[250] != 1 || a.TCPInfoCwnd[10] != 1 {
		t.Errorf("tcp_info samples: rtt %v cwnd %v", a.TCPInfoRTT, a.TCPInfoCwnd)
	}
	// The forked socket's sock_info still classifies the socket.
	if _, ok := acc.Trace().Classes["udp/ipv4/local"]; !ok {
		t.Errorf("classes %v, want udp/ipv4/local", acc.Trace().Classes)
	}
}

func TestAggFromSparseJSON(t *testing.T) {
	// A stored aggregate whose empty maps were left out still adds up.
	var a Agg
	if err := json.Unmarshal([]byte(`{"sockets": 2, "calls": {"send": 3}}`), &a); err != nil {
		t.Fatal(err)
	}
	b := NewAgg()
	b.Add(&a)
	b.Add(&a)
	if b.Sockets != 4 || b.Calls["send"] != 6 {
		t.Errorf("sum of two: sockets %d, calls %v", b.Sockets, b.Calls)
	}
	for _, s := range Compute(b, ScopeDataset) {
		if s.ID == "" || s.Kind == "" {
			t.Errorf("statistic without id or kind: %+v", s)
		}
	}
}

func TestFilterCheck(t *testing.T) {
	if err := (Filter{Proto: "sctp"}).Check(); err == nil || !strings.Contains(err.Error(), "proto") {
		t.Errorf("proto=sctp: %v", err)
	}
	if err := (Filter{Proto: "tcp", Remote: "yes"}).Check(); err != nil {
		t.Error(err)
	}
	if _, err := ParseClass("tcp/ipv4"); err == nil {
		t.Error("ParseClass accepted a class without locality")
	}
}

func TestTimeRange(t *testing.T) {
	mk := func(app string, usec int64) *Trace {
		acc := NewAccumulator(TraceInfo{App: app})
		line := strings.Replace(ev("close", 0, "", `{}`), `"timestamp_usec": 1000`, `"timestamp_usec": `+itoa(usec), 1)
		feed(t, acc, app+"_000", 0, line)
		acc.Flush()
		return acc.Trace()
	}
	// 2026-03-01 00:00:00 UTC and 2026-03-02 23:59:59 UTC
	traces := []*Trace{mk("a", 1772323200000000), mk("b", 1772495999000000)}
	for _, c := range []struct {
		f    Filter
		want int64
	}{
		{Filter{From: "2026-03-01", To: "2026-03-01"}, 1},
		{Filter{From: "2026-03-02"}, 1},
		{Filter{To: "2026-03-02"}, 2},
		{Filter{From: "2026-03-03"}, 0},
	} {
		if got := Combine(traces, nil, c.f).Traces; got != c.want {
			t.Errorf("%+v: %d traces, want %d", c.f, got, c.want)
		}
	}
	if err := (Filter{From: "March"}).Check(); err == nil {
		t.Error("from=March accepted")
	}
}

// A recv with MSG_PEEK leaves the datagram for the next read (socat's UDP
// listener peeks, then its child reads): the bytes count once.
func TestPeekedBytesCountOnce(t *testing.T) {
	acc := NewAccumulator(TraceInfo{App: "x"})
	sock := `{"sock_info": {"domain": "AF_INET", "type": "SOCK_DGRAM", "protocol": 0, "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}`
	feed(t, acc, "x_000", 0,
		ev("socket", 3, "", sock),
		ev("recvmsg", 300, "", `{"bytes": 1, "flags": {"MSG_PEEK": true, "MSG_TRUNC": true}}`),
		ev("recvfrom", 300, "", `{"bytes": 8192, "flags": {"MSG_PEEK": false}}`))
	acc.Flush()
	if got := acc.Trace().Total().BytesRecv(); got != 300 {
		t.Errorf("bytes received %d, want 300 (the peeked 300 are the same bytes)", got)
	}
}

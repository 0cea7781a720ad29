package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Bytes prints a byte count: 512 B, 1.2 kB, 3.4 MB (powers of 1000).
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// Nsec prints a duration given in nanoseconds: 850 ns, 12 µs, 3.4 ms, 1.23 s.
func Nsec(ns int64) string {
	switch {
	case ns < 1000:
		return strconv.FormatInt(ns, 10) + " ns"
	case ns < 1000*1000:
		return trim(float64(ns)/1e3) + " µs"
	case ns < 1000*1000*1000:
		return trim(float64(ns)/1e6) + " ms"
	}
	return fmt.Sprintf("%.2f s", float64(ns)/1e9)
}

// Usec prints a duration given in microseconds.
func Usec(us int64) string { return Nsec(us * 1000) }

func trim(f float64) string {
	if f >= 100 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// TotalsLine: "2 processes, 5 sockets, 1234 events, 1.2 kB sent, …".
func TotalsLine(t Totals) string {
	return fmt.Sprintf("%s, %s, %s, %s sent, %s received, %s",
		plural(t.Processes, "process", "processes"), plural(t.Sockets, "socket", "sockets"),
		plural(t.Events, "event", "events"), Bytes(t.BytesSent), Bytes(t.BytesReceived),
		plural(t.FailedCalls, "failed call", "failed calls"))
}

// Endpoints: "local → remote (host)", the parts the trace knows.
func (s *Socket) Endpoints() string {
	l, r := s.Local, s.Remote
	if l == "" {
		l = "?"
	}
	if s.Listening {
		return l + " (listening)" // its connections are sockets of their own
	}
	if r == "" {
		if s.Local == "" {
			return "(no address)"
		}
		return l
	}
	if s.Host != "" {
		r += " (" + s.Host + ")"
	}
	return l + " → " + r
}

// Proto: "TCP4", "UDP6", "TCP" when the family is unknown.
func (s *Socket) Proto() string {
	switch s.Family {
	case "IPv4":
		return s.Protocol + "4"
	case "IPv6":
		return s.Protocol + "6"
	}
	return s.Protocol
}

// CallsLine: "recv 5, send 1, connect 1" (most calls first).
func (s *Socket) CallsLine() string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range s.Calls {
		l = append(l, kv{k, v})
	}
	sortSlice(l, func(a, b kv) bool {
		if a.v != b.v {
			return a.v > b.v
		}
		return a.k < b.k
	})
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = x.k + " " + strconv.Itoa(x.v)
	}
	return strings.Join(parts, ", ")
}

// TotalCalls: real calls (tcp_info samples excluded).
func (s *Socket) TotalCalls() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// FailuresLine: "connect ECONNREFUSED ×1, recv EAGAIN ×3".
func (s *Socket) FailuresLine() string {
	parts := make([]string, len(s.Failures))
	for i, f := range s.Failures {
		parts[i] = fmt.Sprintf("%s %s ×%d", f.Function, f.Errno, f.Count)
	}
	return strings.Join(parts, ", ")
}

// TimingLine: the durations the trace gives, "" when it gives none.
func (s *Socket) TimingLine() string {
	t := s.Timing
	var parts []string
	add := func(name string, v *int64) {
		if v != nil {
			parts = append(parts, name+" "+Nsec(*v))
		}
	}
	add("connect", t.ConnectNsec)
	add("first byte", t.FirstByteNsec)
	add("in reads", t.ReadNsec)
	add("in writes", t.WriteNsec)
	add("in waits", t.WaitNsec)
	return strings.Join(parts, ", ")
}

// TCPInfoLine: "rtt 0.1/0.2/0.3 ms (min/avg/max), cwnd max 10, 0 retransmits, 4 samples".
func (s *Socket) TCPInfoLine() string {
	ti := s.TCPInfo
	if ti == nil {
		return ""
	}
	rtt := "rtt unknown"
	if ti.RTTMaxUsec > 0 {
		rtt = fmt.Sprintf("rtt %s / %s / %s (min/avg/max)", Usec(ti.RTTMinUsec), Usec(int64(ti.RTTAvgUsec+0.5)), Usec(ti.RTTMaxUsec))
	}
	return fmt.Sprintf("%s, cwnd max %d, %s, %s", rtt, ti.MaxCwnd,
		plural(int(ti.TotalRetrans), "retransmit", "retransmits"), plural(ti.Samples, "sample", "samples"))
}

// WireLine: what the pcap saw.
func (s *Socket) WireLine() string {
	w := s.Wire
	if w == nil {
		return ""
	}
	if w.Error != "" {
		return "pcap unreadable: " + w.Error
	}
	line := fmt.Sprintf("%s, %s on the wire, payload %s sent / %s received, %s",
		plural(w.Packets, "packet", "packets"), Bytes(w.Bytes), Bytes(w.PayloadSent), Bytes(w.PayloadRecv),
		plural(w.Retransmits, "retransmitted segment", "retransmitted segments"))
	if w.HandshakeUs != nil {
		line += ", handshake " + Usec(*w.HandshakeUs)
	}
	if w.TeardownUs != nil {
		line += ", teardown " + Usec(*w.TeardownUs)
	}
	return line
}

func sortSlice[T any](l []T, less func(a, b T) bool) {
	// insertion sort: these lists are a few dozen entries
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && less(l[j], l[j-1]); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

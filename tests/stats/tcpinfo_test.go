package statstest

import (
	"strconv"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// TestTCPInfoSamples: with -b the shim adds tcp_info samples (fake
// events). They feed the RTT and cwnd distributions and never count as
// calls.
func TestTCPInfoSamples(t *testing.T) {
	dir, out := traced(t, "-b", "1", statsbin)
	recs := parseRecs(t, out)
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rtt, cwnd := map[string]float64{}, map[string]float64{}
	samples := 0
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			for _, e := range s.OfType("tcp_info") {
				if !e.FakeCall {
					t.Fatalf("a tcp_info sample that is not fake: %+v", e)
				}
				samples++
				v, _ := e.DetailInt("rtt")
				rtt[itoa(v)]++
				v, _ = e.DetailInt("snd_cwnd")
				cwnd[itoa(v)]++
			}
		}
	}
	if samples == 0 {
		t.Fatal("-b 1 gave no tcp_info sample")
	}
	acc := accumulate(t, dir, "")
	m := byID(stats.Compute(acc.Trace().Total(), stats.ScopeTrace))
	sameTable(t, m, "tcp_info.rtt", rtt)
	sameTable(t, m, "tcp_info.cwnd", cwnd)
	if got := m.count(t, "overview.events"); got != float64(len(recs)) {
		t.Errorf("events = %v with %d tcp_info samples in the trace, the program made %d calls", got, samples, len(recs))
	}
	if calls, _ := m.rows(t, "overview.calls"); calls["tcp_info"] != 0 {
		t.Errorf("tcp_info samples counted as calls: %v", calls["tcp_info"])
	}
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}

package statstest

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// traced runs a command under tcpsnitch into a new trace directory and
// returns the directory and the command's stdout.
func traced(t *testing.T, args ...string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trace")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-n", "-d", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tcpsnitch %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out.String(), errb.String())
	}
	return dir, out.String()
}

// rec is one line statsprog printed about one of its calls.
type rec struct {
	fn, sock, errno string
	ret, tid        int64
	kv              map[string]string
}

func (r rec) has(k string) bool { _, ok := r.kv[k]; return ok }

// moved is the bytes the call moved: what it returned, except that a
// receive with MSG_PEEK leaves them in the socket (the statistics count it
// as moving none; the same bytes are counted by the read that takes them).
func (r rec) moved(t *testing.T) int64 {
	t.Helper()
	for _, f := range strings.Split(r.kv["flags"], "|") {
		if f == "MSG_PEEK" {
			return 0
		}
	}
	return r.int(t, "moved")
}

func (r rec) int(t *testing.T, k string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(r.kv[k], 10, 64)
	if err != nil {
		t.Fatalf("rec %s %s: %s=%q", r.fn, r.sock, k, r.kv[k])
	}
	return n
}

func parseRecs(t *testing.T, out string) []rec {
	t.Helper()
	var recs []rec
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[0] != "rec" {
			t.Fatalf("statsprog printed %q", sc.Text())
		}
		r := rec{fn: f[1], sock: f[2], kv: map[string]string{}}
		r.ret, _ = strconv.ParseInt(f[3], 10, 64)
		if f[4] != "-" {
			r.errno = f[4]
		}
		r.tid, _ = strconv.ParseInt(f[5], 10, 64)
		for _, kv := range f[6:] {
			k, v, _ := strings.Cut(kv, "=")
			r.kv[k] = v
		}
		recs = append(recs, r)
	}
	return recs
}

// metaInfo reads meta/app and meta/os.
func metaInfo(t *testing.T, dir, id string) stats.TraceInfo {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "meta", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	return stats.TraceInfo{ID: id, App: read("app"), OS: read("os")}
}

// accumulate reads a trace through internal/stats.
func accumulate(t *testing.T, dir, id string) *stats.Accumulator {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	acc := stats.NewAccumulator(metaInfo(t, dir, id))
	acc.KeepSockets = true
	acc.AddTrace(tr)
	return acc
}

type statMap map[string]stats.Stat

func byID(list []stats.Stat) statMap {
	m := statMap{}
	for _, s := range list {
		m[s.ID] = s
	}
	return m
}

func (m statMap) get(t *testing.T, id string) stats.Stat {
	t.Helper()
	s, ok := m[id]
	if !ok {
		t.Fatalf("no statistic %q", id)
	}
	return s
}

// rows returns a statistic's table as key -> value (and key -> of).
func (m statMap) rows(t *testing.T, id string) (map[string]float64, map[string]float64) {
	t.Helper()
	s := m.get(t, id)
	v, of := map[string]float64{}, map[string]float64{}
	for _, r := range s.Rows {
		v[r.Key] = r.Value
		of[r.Key] = r.Of
	}
	return v, of
}

func (m statMap) count(t *testing.T, id string) float64 {
	t.Helper()
	s := m.get(t, id)
	if s.Kind != stats.KindCount || len(s.Rows) != 1 {
		t.Fatalf("%s: kind %s with %d rows, want one count", id, s.Kind, len(s.Rows))
	}
	return s.Rows[0].Value
}

// sameTable fails unless a statistic's rows are exactly want (and their
// values add up to its total, percentages of it, for pies and sums).
func sameTable(t *testing.T, m statMap, id string, want map[string]float64) {
	t.Helper()
	got, _ := m.rows(t, id)
	if len(got) != len(want) {
		t.Errorf("%s: rows %v, want %v", id, got, want)
		return
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: rows %v, want %v", id, got, want)
			return
		}
	}
	s := m.get(t, id)
	if s.Kind == stats.KindPie || s.Kind == stats.KindSum {
		sum := 0.0
		for _, v := range want {
			sum += v
		}
		if s.Total != sum {
			t.Errorf("%s: total %v, want %v", id, s.Total, sum)
		}
		for _, r := range s.Rows {
			if p := r.Value * 100 / sum; sum > 0 && abs(r.Percent-p) > 1e-9 {
				t.Errorf("%s: %s percent %v, want %v", id, r.Key, r.Percent, p)
			}
		}
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// shares checks a bool-share statistic: key -> {true, of}.
func shares(t *testing.T, m statMap, id string, want map[string][2]float64) {
	t.Helper()
	got, of := m.rows(t, id)
	if len(got) != len(want) {
		t.Errorf("%s: %d rows %v (of %v), want %v", id, len(got), got, of, want)
	}
	for k, w := range want {
		if got[k] != w[0] || of[k] != w[1] {
			t.Errorf("%s: %s = %v of %v, want %v of %v", id, k, got[k], of[k], w[0], w[1])
		}
	}
}

// nonLoopback returns an IPv4 address of this host that is not loopback.
func nonLoopback(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address: the remote-peer flag cannot be exercised without one")
	return ""
}

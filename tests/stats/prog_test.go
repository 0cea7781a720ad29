package statstest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
)

var sendFns = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "sendmmsg": true, "write": true, "writev": true, "sendfile": true}
var recvFns = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "recvmmsg": true, "read": true, "readv": true}

// TestProgramTrace: every statistic of statsprog's trace, at trace,
// process and socket scope, against the calls the program printed.
func TestProgramTrace(t *testing.T) {
	ip := nonLoopback(t)
	dir, out := traced(t, statsbin, ip)
	recs := parseRecs(t, out)
	acc := accumulate(t, dir, "t1")
	trace := byID(stats.Compute(acc.Trace().Total(), stats.ScopeTrace))

	// What the program did, counted from its own lines.
	calls, failed, errnos := map[string]float64{}, map[string]float64{}, map[string]float64{}
	errBy := map[string]map[string]float64{}
	socks, tids := map[string]bool{}, map[int64]bool{}
	for _, r := range recs {
		calls[r.fn]++
		socks[r.sock] = true
		tids[r.tid] = true
		if r.errno != "" {
			failed[r.fn]++
			errnos[r.errno]++
			if errBy[r.fn] == nil {
				errBy[r.fn] = map[string]float64{}
			}
			errBy[r.fn][r.errno]++
		}
	}
	if calls["writev"] == 0 || failed["connect"] != 1 || len(tids) != 2 {
		t.Fatalf("statsprog did not do what the test expects:\n%s", out)
	}

	// Overview
	if got := trace.count(t, "overview.events"); got != float64(len(recs)) {
		t.Errorf("events = %v, the program made %d calls", got, len(recs))
	}
	if got := trace.count(t, "overview.sockets"); got != float64(len(socks)) {
		t.Errorf("sockets = %v, the program used %d", got, len(socks))
	}
	if got := trace.count(t, "overview.processes"); got != 1 {
		t.Errorf("processes = %v, want 1", got)
	}
	if got := trace.count(t, "overview.threads"); got != float64(len(tids)) {
		t.Errorf("threads = %v, the program's calls came from %d", got, len(tids))
	}
	sameTable(t, trace, "overview.calls", calls)
	fnSet := map[string]float64{}
	for fn := range calls {
		fnSet[fn] = 1
	}
	sameTable(t, trace, "overview.functions", fnSet)

	// Errors
	sameTable(t, trace, "errno.all", errnos)
	for fn, want := range errBy {
		sameTable(t, trace, "errno.by."+fn, want)
	}
	succ := map[string][2]float64{}
	for fn, n := range calls {
		succ[fn] = [2]float64{n - failed[fn], n}
	}
	shares(t, trace, "errno.success", succ)

	// socket()
	dom, typ, flags := map[string]float64{}, map[string]float64{}, map[string][2]float64{}
	for _, r := range recs {
		if r.fn != "socket" {
			continue
		}
		dom[r.kv["dom"]]++
		typ[r.kv["type"]]++
		for _, f := range []string{"cloexec", "nonblock"} {
			k := "SOCK_" + strings.ToUpper(f)
			v := flags[k]
			v[1]++
			if r.kv[f] == "1" {
				v[0]++
			}
			flags[k] = v
		}
	}
	sameTable(t, trace, "socket.domain", dom)
	sameTable(t, trace, "socket.type", typ)
	sameTable(t, trace, "socket.protocol", map[string]float64{"0": calls["socket"]})
	shares(t, trace, "socket.flags", flags)
	// One socket (statsprog's "ur") exchanged datagrams with a non-loopback
	// address; one asked for TCP_INFO ("cli"); four used options
	// ("bad", "lst", "cli" and none other).
	shares(t, trace, "socket.sockets", map[string][2]float64{
		"remote (non-loopback) peer": {1, float64(len(socks))},
		"asked getsockopt(TCP_INFO)": {1, float64(len(socks))},
		"used socket options":        {3, float64(len(socks))},
	})

	// Socket options
	get, set, phase := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, r := range recs {
		if r.fn != "getsockopt" && r.fn != "setsockopt" {
			continue
		}
		opt := strings.Replace(r.kv["opt"], ":", " ", 1)
		if r.fn == "getsockopt" {
			get[opt]++
		} else {
			set[opt]++
		}
		phase[r.fn+" "+opt+"|"+r.kv["phase"]]++
	}
	sameTable(t, trace, "sockopt.get", get)
	sameTable(t, trace, "sockopt.set", set)
	sameTable(t, trace, "sockopt.phase", phase)

	// fcntl
	cmds := map[string]float64{}
	fl := map[string][2]float64{}
	for _, r := range recs {
		if r.fn != "fcntl" {
			continue
		}
		cmd := r.kv["cmd"]
		cmds[cmd]++
		for k, name := range map[string]string{"nonblock": "O_NONBLOCK", "cloexec": "O_CLOEXEC"} {
			if r.has(k) {
				v := fl[cmd+" "+name]
				v[1]++
				if r.kv[k] == "1" {
					v[0]++
				}
				fl[cmd+" "+name] = v
			}
		}
	}
	sameTable(t, trace, "fcntl.cmd", cmds)
	got, of := trace.rows(t, "fcntl.flags")
	for k, w := range fl {
		if got[k] != w[0] || of[k] != w[1] {
			t.Errorf("fcntl.flags %s = %v of %v, want %v of %v", k, got[k], of[k], w[0], w[1])
		}
	}

	// Send-like and recv-like
	checkIO(t, trace, "send", recs, sendFns)
	checkIO(t, trace, "recv", recs, recvFns)

	// Async I/O, ioctl
	async, req, ret, ioctls := map[string]float64{}, map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, r := range recs {
		switch r.fn {
		case "poll", "select":
			async[r.fn]++
			req[r.fn+" "+r.kv["evreq"]]++
			ret[r.fn+" "+r.kv["evret"]]++
		case "ioctl":
			ioctls[r.kv["req"]]++
		}
	}
	sameTable(t, trace, "async.calls", async)
	sameTable(t, trace, "async.requested", req)
	sameTable(t, trace, "async.returned", ret)
	sameTable(t, trace, "ioctl.requests", ioctls)

	// Threads: calls and bytes of each thread.
	proc := ""
	for name := range acc.Processes() {
		proc = name
	}
	thCalls, thSent, thRecv := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, r := range recs {
		k := proc + "/" + strconv.FormatInt(r.tid, 10)
		thCalls[k]++
		if r.errno == "" && sendFns[r.fn] {
			thSent[k] += float64(r.int(t, "moved"))
		}
		if r.errno == "" && recvFns[r.fn] {
			thRecv[k] += float64(r.moved(t))
		}
		thSent[k] += 0
		thRecv[k] += 0
	}
	sameTable(t, trace, "threads.calls", thCalls)
	sameTable(t, trace, "threads.bytes_sent", thSent)
	sameTable(t, trace, "threads.bytes_recv", thRecv)

	// Footprint of the trace: the options it used.
	opts := map[string]float64{}
	for k := range get {
		opts[k] = 1
	}
	for k := range set {
		opts[k] = 1
	}
	sameTable(t, trace, "footprint.options", opts)
	sameTable(t, trace, "footprint.ioctls", map[string]float64{"FIONREAD": 1})

	// The process scope is the trace here (one process).
	process := byID(stats.Compute(acc.Process(proc), stats.ScopeProcess))
	sameTable(t, process, "overview.calls", calls)

	// Socket scope: the client socket ("cli"), found by its writev.
	var cli *stats.SocketStats
	for _, s := range acc.Sockets() {
		if s.Agg.Calls["writev"] > 0 {
			cli = s
		}
	}
	cliCalls := map[string]float64{}
	var sentSteps []int64
	var sum int64
	for _, r := range recs {
		if r.sock != "cli" {
			continue
		}
		cliCalls[r.fn]++
		if r.errno == "" && sendFns[r.fn] {
			sum += r.int(t, "moved")
			sentSteps = append(sentSteps, sum)
		}
	}
	sock := byID(append(stats.Compute(cli.Agg, stats.ScopeSocket), stats.SocketSeries(cli, 0)...))
	sameTable(t, sock, "overview.calls", cliCalls)
	series := sock.get(t, "series.sent")
	if len(series.Rows) != len(sentSteps) {
		t.Fatalf("series.sent has %d points, the client made %d successful sends", len(series.Rows), len(sentSteps))
	}
	for i, r := range series.Rows {
		if r.Value != float64(sentSteps[i]) {
			t.Errorf("series.sent point %d = %v, want %d", i, r.Value, sentSteps[i])
		}
	}
	if cli.Class != (stats.Class{Proto: "tcp", Family: "ipv4", Remote: false}) {
		t.Errorf("client socket class %v, want tcp/ipv4/local", cli.Class)
	}
}

// checkIO compares the send-like or recv-like statistics with the lines.
func checkIO(t *testing.T, m statMap, id string, recs []rec, fns map[string]bool) {
	t.Helper()
	calls, bytes, errnos := map[string]float64{}, map[string]float64{}, map[string]float64{}
	buf, moved := map[string]float64{}, map[string]float64{}
	bufBy, iovBy := map[string]map[string]float64{}, map[string]map[string]float64{}
	flags := map[string][2]float64{}
	flagNames := []string{"MSG_CONFIRM", "MSG_DONTROUTE", "MSG_DONTWAIT", "MSG_EOR", "MSG_MORE", "MSG_NOSIGNAL", "MSG_OOB"}
	if id == "recv" {
		flagNames = []string{"MSG_CMSG_CLOEXEC", "MSG_DONTWAIT", "MSG_ERRQUEUE", "MSG_OOB", "MSG_PEEK", "MSG_TRUNC", "MSG_WAITALL"}
	}
	for _, r := range recs {
		if !fns[r.fn] {
			continue
		}
		calls[r.fn]++
		b := r.kv["buf"]
		buf[b]++
		if bufBy[r.fn] == nil {
			bufBy[r.fn] = map[string]float64{}
		}
		bufBy[r.fn][b]++
		if r.has("iov") {
			if iovBy[r.fn] == nil {
				iovBy[r.fn] = map[string]float64{}
			}
			iovBy[r.fn][r.kv["iov"]]++
		}
		if r.has("flags") {
			set := map[string]bool{}
			for _, f := range strings.Split(r.kv["flags"], "|") {
				set[f] = true
			}
			for _, f := range flagNames {
				v := flags[f]
				v[1]++
				if set[f] {
					v[0]++
				}
				flags[f] = v
			}
		}
		if r.errno != "" {
			errnos[r.errno]++
			continue
		}
		bytes[r.fn] += float64(r.moved(t))
		moved[strconv.FormatInt(r.moved(t), 10)]++
	}
	sameTable(t, m, id+".calls", calls)
	sameTable(t, m, id+".bytes", bytes)
	sameTable(t, m, id+".errno", errnos)
	sameTable(t, m, id+".buf_size", buf)
	sameTable(t, m, id+".moved", moved)
	for fn, want := range bufBy {
		sameTable(t, m, id+".buf_size."+fn, want)
	}
	for fn, want := range iovBy {
		sameTable(t, m, id+".iovec."+fn, want)
	}
	shares(t, m, id+".flags", flags)
	// CDF: the last row is at 100 %.
	cdf := m.get(t, id+".buf_size")
	if n := len(cdf.Rows); n == 0 || abs(cdf.Rows[n-1].Percent-100) > 1e-9 {
		t.Errorf("%s.buf_size: cumulative percent does not end at 100: %v", id, cdf.Rows)
	}
}

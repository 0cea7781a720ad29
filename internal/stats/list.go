package stats

import "strconv"

// Compute lists every statistic of an aggregate that applies at scope.
func Compute(a *Agg, scope Scope) []Stat {
	a.init()
	var out []Stat
	add := func(s ...Stat) { out = append(out, s...) }
	dataset := scope == ScopeDataset

	// Overview
	const ov = "Overview"
	if dataset {
		add(countStat("overview.traces", ov, "Traces", a.Traces))
		add(countStat("overview.apps", ov, "Apps", int64(len(a.Apps))))
	}
	if scope != ScopeSocket {
		add(countStat("overview.processes", ov, "Processes", a.NProcesses()))
		add(countStat("overview.sockets", ov, "Sockets", a.Sockets))
	}
	add(countStat("overview.events", ov, "Events (calls)", a.Events))
	add(countStat("overview.threads", ov, "Threads", a.NThreads()))
	add(counterStat("overview.calls", ov, "Calls by function", KindPie, "calls", a.Calls))
	fns := map[string]bool{}
	for k := range a.Calls {
		fns[k] = true
	}
	add(distinctStat("overview.functions", ov, "Distinct functions", fns))
	add(counterStat("overview.bytes", ov, "Bytes sent and received", KindSum, "bytes",
		Counter{"sent": a.BytesSent(), "received": a.BytesRecv()}))
	if dataset {
		add(appsUsing("overview.apps_using_function", ov, "Apps using each function", a.Apps, pickFunctions))
	}

	// socket()
	const so = "socket()"
	add(counterStat("socket.domain", so, "socket() domain", KindPie, "calls", a.SockDomain))
	add(counterStat("socket.type", so, "socket() type", KindPie, "calls", a.SockType))
	add(counterStat("socket.protocol", so, "socket() protocol", KindPie, "calls", a.SockProto))
	add(shareStat("socket.flags", so, "socket() SOCK_CLOEXEC / SOCK_NONBLOCK", a.SockFlags))
	if scope != ScopeSocket {
		add(shareStat("socket.sockets", so, "Sockets: remote peer, options, tcp_info", map[string]*Share{
			"remote (non-loopback) peer": &a.SockRemote, "used socket options": &a.SockWithOpt,
			"asked getsockopt(TCP_INFO)": &a.SockTCPInfo}))
		add(cdfStat("socket.threads", so, "Threads per socket", "threads", a.SockWithThread))
	}

	// Socket options
	const opt = "Socket options"
	both := Counter{}
	both.add(a.Getsockopt)
	both.add(a.Setsockopt)
	add(counterStat("sockopt.get", opt, "getsockopt() level and option", KindPie, "calls", a.Getsockopt))
	add(counterStat("sockopt.set", opt, "setsockopt() level and option", KindPie, "calls", a.Setsockopt))
	add(counterStat("sockopt.both", opt, "getsockopt() and setsockopt()", KindPie, "calls", both))
	add(counterStat("sockopt.get_level", opt, "getsockopt() level", KindPie, "calls", levels(a.Getsockopt)))
	add(counterStat("sockopt.set_level", opt, "setsockopt() level", KindPie, "calls", levels(a.Setsockopt)))
	add(counterStat("sockopt.phase", opt, "Socket options by phase of the socket's life", KindPie, "calls", a.SockoptPhase))
	if dataset {
		add(appsUsing("sockopt.apps", opt, "Apps using each socket option", a.Apps, pickOptions))
	}

	// fcntl
	const fc = "fcntl()"
	add(counterStat("fcntl.cmd", fc, "fcntl() commands", KindPie, "calls", a.Fcntl))
	add(shareStat("fcntl.flags", fc, "fcntl() flags (O_CLOEXEC for F_GETFD/F_SETFD, O_* for F_GETFL/F_SETFL)", a.FcntlFlags))

	// Send-like, Recv-like
	add(ioStats("send", "Send-like", &a.Send, a, dataset)...)
	add(ioStats("recv", "Recv-like", &a.Recv, a, dataset)...)

	// Async
	const as = "Async I/O"
	add(counterStat("async.calls", as, "select/poll/epoll calls", KindPie, "calls", a.Async))
	add(counterStat("async.requested", as, "Requested events", KindPie, "calls", a.AsyncRequested))
	add(counterStat("async.returned", as, "Returned events", KindPie, "calls", a.AsyncReturned))

	// ioctl
	add(counterStat("ioctl.requests", "ioctl()", "ioctl() requests", KindPie, "calls", a.Ioctl))
	if dataset {
		add(appsUsing("ioctl.apps", "ioctl()", "Apps using each ioctl() request", a.Apps, pickIoctls))
	}

	// Threads (not at dataset scope: thread ids only mean something in a process)
	if !dataset {
		const th = "Threads"
		calls, sent, recv, socks := Counter{}, Counter{}, Counter{}, Counter{}
		for k, t := range a.Threads {
			calls[k], sent[k], recv[k], socks[k] = t.Calls, t.BytesSent, t.BytesRecv, t.Sockets
		}
		add(counterStat("threads.calls", th, "Calls per thread", KindSum, "calls", calls))
		add(counterStat("threads.bytes_sent", th, "Bytes sent per thread", KindSum, "bytes", sent))
		add(counterStat("threads.bytes_recv", th, "Bytes received per thread", KindSum, "bytes", recv))
		if scope != ScopeSocket {
			add(counterStat("threads.sockets", th, "Sockets per thread", KindSum, "sockets", socks))
		}
	}

	// Errnos
	const er = "Errors"
	add(shareStat("errno.success", er, "Success rate by function", successShare(a.Calls, a.Failed)))
	add(counterStat("errno.all", er, "errno over all functions", KindPie, "calls", a.Errno))
	for _, fn := range sortedKeys(a.ErrnoBy) {
		add(counterStat("errno.by."+fn, er, "errno of "+fn+"()", KindPie, "calls", a.ErrnoBy[fn]))
	}

	// Footprint
	const fp = "Footprint"
	if dataset {
		add(footprints("footprint.functions", "Apps by set of functions used", a.Apps, pickFunctions))
		add(footprints("footprint.options", "Apps by set of socket options used", a.Apps, pickOptions))
		add(footprints("footprint.ioctls", "Apps by set of ioctl() requests used", a.Apps, pickIoctls))
	} else {
		add(distinctStat("footprint.options", fp, "Socket options used", union(a.Apps, pickOptions)))
		add(distinctStat("footprint.ioctls", fp, "ioctl() requests used", union(a.Apps, pickIoctls)))
	}

	// tcp_info and hosts
	const ti = "tcp_info"
	add(cdfStat("tcp_info.rtt", ti, "Sampled tcp_info RTT", "µs", a.TCPInfoRTT))
	add(cdfStat("tcp_info.cwnd", ti, "Sampled tcp_info congestion window", "segments", a.TCPInfoCwnd))
	if scope != ScopeSocket {
		add(counterStat("hosts", "Hosts", "Host names looked up (dns.json)", KindPie, "lookups", a.Hosts))
	}
	return out
}

func levels(c Counter) Counter {
	out := Counter{}
	for k, v := range c {
		lvl := k
		for i := 0; i < len(k); i++ {
			if k[i] == ' ' {
				lvl = k[:i]
				break
			}
		}
		out[lvl] += v
	}
	return out
}

func ioStats(id, cat string, o *IO, a *Agg, dataset bool) []Stat {
	var out []Stat
	add := func(s ...Stat) { out = append(out, s...) }
	add(counterStat(id+".calls", cat, cat+" calls by function", KindPie, "calls", o.Calls))
	add(counterStat(id+".bytes", cat, cat+" bytes by function", KindSum, "bytes", o.Bytes))
	add(shareStat(id+".success", cat, cat+" success rate", successShare(o.Calls, o.Failed)))
	add(counterStat(id+".errno", cat, cat+" errno", KindPie, "calls", o.Errno))
	add(shareStat(id+".flags", cat, cat+" flags (MSG_*)", o.Flags))
	add(cdfStat(id+".buf_size", cat, cat+" buffer size", "bytes", o.BufSize))
	add(cdfStat(id+".moved", cat, cat+" bytes transferred per call", "bytes", o.Moved))
	for _, fn := range sortedKeys(o.BufSizeBy) {
		add(cdfStat(id+".buf_size."+fn, cat, fn+"() buffer size", "bytes", o.BufSizeBy[fn]))
	}
	for _, fn := range sortedKeys(o.Iovec) {
		add(cdfStat(id+".iovec."+fn, cat, fn+"() iovec count", "iovecs", o.Iovec[fn]))
	}
	if dataset {
		fnApps := func(f *Footprint) map[string]bool {
			m := map[string]bool{}
			for k := range f.Functions {
				if (id == "send" && sendLike[k]) || (id == "recv" && recvLike[k]) {
					m[k] = true
				}
			}
			return m
		}
		add(appsUsing(id+".apps", cat, "Apps using each "+cat+" function", a.Apps, fnApps))
	}
	return out
}

// SocketSeries are a socket's bytes over time (socket scope only), at most
// max points each (evenly picked, the last always kept).
func SocketSeries(s *SocketStats, max int) []Stat {
	series := func(id, title string, pts []Point) Stat {
		st := Stat{ID: id, Category: "Bytes over time", Title: title, Kind: KindTimeseries, Unit: "bytes"}
		step := 1
		if max > 0 && len(pts) > max {
			step = (len(pts) + max - 1) / max
		}
		for i, p := range pts {
			if i%step == 0 || i == len(pts)-1 {
				st.Rows = append(st.Rows, Row{Key: strconv.FormatInt(p.Usec, 10), Value: float64(p.Bytes)})
			}
		}
		if len(pts) > 0 {
			st.Total = float64(pts[len(pts)-1].Bytes)
		}
		for i := range st.Rows {
			st.Rows[i].Percent = pct(st.Rows[i].Value, st.Total)
		}
		return st
	}
	return []Stat{series("series.sent", "Bytes sent over time", s.Sent), series("series.recv", "Bytes received over time", s.Recv)}
}

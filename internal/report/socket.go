package report

import (
	"net"
	"sort"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Function families, by what the call does with the socket.
var (
	sendCalls = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "write": true, "writev": true, "sendfile": true, "sendmmsg": true}
	recvCalls = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "read": true, "readv": true, "recvmmsg": true}
	waitCalls = map[string]bool{"poll": true, "ppoll": true, "select": true, "pselect": true, "epoll_wait": true, "epoll_pwait": true, "epoll_pwait2": true}
	// Readiness to write, by wait call: a non-blocking connect has completed.
	writableKeys = [][]string{{"returned_events", "POLLOUT"}, {"returned_events", "WRITE"}, {"events", "EPOLLOUT"}}
)

// sockAcc accumulates one socket while its events stream by.
type sockAcc struct {
	s       *Socket
	o       Options
	rttSum  float64
	rttN    int
	bytes   decimator[[3]int64]
	tcpi    decimator[[4]int64]
	fails   map[[2]string]int
	durN    int   // events that carried duration_nsec
	nonFake int   // events that are real calls
	read    int64 // ns inside receive calls
	write   int64
	wait    int64
	// connect: start (ns since the epoch), whether it is still pending
	// (EINPROGRESS), and the reference point for time to first byte.
	connStart   int64
	connPending bool
	ttfbRef     int64
	ttfbDone    bool
	peerFromIO  bool
}

func newSockAcc(s *Socket, o Options) *sockAcc {
	n := o.SeriesPoints
	if n <= 0 {
		n = 150
	}
	return &sockAcc{s: s, o: o, bytes: decimator[[3]int64]{max: n}, tcpi: decimator[[4]int64]{max: n}, fails: map[[2]string]int{}}
}

// startNsec: when the call started, in ns since the epoch (the timestamp
// is taken when it returned).
func startNsec(ev *tracefile.Raw) int64 {
	t := ev.TimestampUsec * 1000
	if ev.DurationNsec > 0 {
		t -= ev.DurationNsec
	}
	return t
}

func (a *sockAcc) add(ev *tracefile.Raw, keep bool) {
	s := a.s
	s.Events++
	if s.Events == 1 || ev.TimestampUsec < s.FirstUsec {
		s.FirstUsec = ev.TimestampUsec
	}
	s.LastUsec = max(s.LastUsec, ev.TimestampUsec)
	if keep {
		s.Kept = append(s.Kept, callOf(ev))
	}
	if ev.Type == "tcp_info" {
		a.tcpInfo(ev)
		return
	}
	if !ev.FakeCall {
		a.nonFake++
		s.Calls[ev.Type]++
		if ev.DurationNsec >= 0 {
			a.durN++
			a.long(ev)
		}
	}
	if !ev.Success {
		s.FailedCalls++
		a.fails[[2]string{ev.Type, ev.Errno}]++
	}
	switch t := ev.Type; {
	case t == "forked_socket" || t == "ghost_socket":
		// A socket found made (inherited, received): the shim says where
		// it is bound and connected, as its bind/connect/accept would.
		a.sockInfo(ev)
		if ip, port, ok := addrOf(ev, "sockname"); ok && port != "0" {
			s.Local = net.JoinHostPort(ip, port)
			a.family(ev)
		}
		a.setRemote(ev, "peername")
		if l, _ := ev.DetailBool("listening"); l {
			s.Listening = true
		}
	case t == "socket" || t == "dup" || t == "dup2" || t == "dup3":
		a.sockInfo(ev)
	case t == "accept" || t == "accept4":
		a.sockInfo(ev)
		// The first event of an accepted socket's file names its peer;
		// on the listening socket an accept names a connection of its
		// own file, not a peer of the listener.
		if ev.Success && s.Events == 1 {
			a.setRemote(ev, "addr")
		} else if ev.Success {
			s.Accepted++
		}
	case t == "listen":
		if ev.Success {
			s.Listening = true
		}
	case t == "connect":
		if s.Remote == "" || ev.Success || ev.Errno == "EINPROGRESS" {
			a.setRemote(ev, "addr")
		}
		if a.connStart == 0 {
			a.connStart = startNsec(ev)
			a.ttfbRef = a.connStart
			switch {
			case ev.Success && ev.DurationNsec >= 0:
				d := ev.DurationNsec
				s.Timing.ConnectNsec = &d
			case ev.Errno == "EINPROGRESS":
				a.connPending = true
			}
		}
	case t == "bind" || t == "getsockname":
		if ev.Success {
			if ip, port, ok := addrOf(ev, "addr"); ok {
				s.Local = net.JoinHostPort(ip, port)
				a.family(ev)
			}
		}
	case t == "getpeername":
		if ev.Success {
			a.setRemote(ev, "addr")
		}
	case t == "getsockopt":
		if !a.connPending {
			break
		}
		if name, _ := ev.DetailString("optname"); name == "SO_ERROR" && ev.Success {
			a.connected(ev)
		}
	case sendCalls[t]:
		if ev.Success {
			n := moved(ev)
			s.BytesSent += n
			a.point(ev)
			if a.ttfbRef == 0 {
				a.ttfbRef = startNsec(ev)
			}
			a.connected(ev)
		}
		if ev.DurationNsec >= 0 {
			a.write += ev.DurationNsec
		}
		if s.Remote == "" && t == "sendto" || a.peerFromIO {
			a.setRemote(ev, "addr")
		}
	case recvCalls[t]:
		if ev.Success {
			n := moved(ev)
			s.BytesRecv += n
			a.point(ev)
			a.connected(ev)
			if n > 0 && !a.ttfbDone && a.ttfbRef != 0 {
				a.ttfbDone = true
				d := ev.TimestampUsec*1000 - a.ttfbRef
				s.Timing.FirstByteNsec = &d
			}
		}
		if ev.DurationNsec >= 0 {
			a.read += ev.DurationNsec
		}
		if (s.Remote == "" || a.peerFromIO) && t == "recvfrom" && s.Protocol != "TCP" {
			// UDP: the last peer a datagram came from or went to.
			if a.setRemote(ev, "addr") {
				a.peerFromIO = true
			}
		}
	case waitCalls[t]:
		if ev.DurationNsec >= 0 {
			a.wait += ev.DurationNsec
		}
		if a.connPending && ev.Success && ev.ReturnValue > 0 {
			for _, k := range writableKeys {
				if w, _ := ev.DetailBool(k...); w {
					a.connected(ev)
				}
			}
		}
	}
}

// connected ends a pending non-blocking connect at this event's end.
func (a *sockAcc) connected(ev *tracefile.Raw) {
	if !a.connPending {
		return
	}
	a.connPending = false
	d := ev.TimestampUsec*1000 - a.connStart
	a.s.Timing.ConnectNsec = &d
}

// moved: bytes really moved by a successful data call.
func moved(ev *tracefile.Raw) int64 {
	// A receive with MSG_PEEK leaves the bytes in the socket (socat's and
	// nc's UDP listeners, wget peek, then read the same bytes): counting
	// both doubled what was received.
	if peek, _ := ev.DetailBool("flags", "MSG_PEEK"); peek {
		return 0
	}
	if ev.Type == "sendmmsg" || ev.Type == "recvmmsg" {
		var n int64
		ev.DetailArray(func(_ int, el *tracefile.Raw) {
			b, _ := el.DetailInt("transmitted_bytes")
			n += b
		}, "mmsghdr_vec")
		return n
	}
	if ev.ReturnValue > 0 {
		return ev.ReturnValue
	}
	return 0
}

func (a *sockAcc) point(ev *tracefile.Raw) {
	a.bytes.add([3]int64{ev.TimestampUsec, a.s.BytesSent, a.s.BytesRecv})
}

func (a *sockAcc) tcpInfo(ev *tracefile.Raw) {
	s := a.s
	if s.TCPInfo == nil {
		s.TCPInfo = &TCPInfo{}
	}
	ti := s.TCPInfo
	ti.Samples++
	rtt, _ := ev.DetailInt("rtt")
	cwnd, _ := ev.DetailInt("snd_cwnd")
	retr, _ := ev.DetailInt("total_retrans")
	if rtt > 0 {
		if a.rttN == 0 || rtt < ti.RTTMinUsec {
			ti.RTTMinUsec = rtt
		}
		ti.RTTMaxUsec = max(ti.RTTMaxUsec, rtt)
		a.rttSum += float64(rtt)
		a.rttN++
	}
	ti.MaxCwnd = max(ti.MaxCwnd, cwnd)
	ti.TotalRetrans = max(ti.TotalRetrans, retr)
	a.tcpi.add([4]int64{ev.TimestampUsec, rtt, cwnd, retr})
}

func (a *sockAcc) sockInfo(ev *tracefile.Raw) {
	if typ, ok := ev.DetailString("sock_info", "type"); ok && a.s.Protocol == "" {
		switch typ {
		case "SOCK_STREAM":
			a.s.Protocol = "TCP"
		case "SOCK_DGRAM":
			a.s.Protocol = "UDP"
		default:
			a.s.Protocol = typ
		}
	}
	if d, ok := ev.DetailString("sock_info", "domain"); ok && a.s.Family == "" {
		a.s.Family = familyName(d)
	}
}

func (a *sockAcc) family(ev *tracefile.Raw) {
	if a.s.Family == "" {
		if f, ok := ev.DetailString("addr", "sa_family"); ok {
			a.s.Family = familyName(f)
		}
	}
}

func familyName(d string) string {
	switch d {
	case "AF_INET":
		return "IPv4"
	case "AF_INET6":
		return "IPv6"
	}
	return d
}

func (a *sockAcc) setRemote(ev *tracefile.Raw, key string) bool {
	ip, port, ok := addrOf(ev, key)
	if !ok {
		return false
	}
	a.s.Remote = net.JoinHostPort(ip, port)
	a.family(ev)
	return true
}

func addrOf(ev *tracefile.Raw, key string) (ip, port string, ok bool) {
	ip, ok1 := ev.DetailString(key, "ip")
	p, ok2 := ev.DetailInt(key, "port")
	if !ok1 || !ok2 || ip == "" {
		return "", "", false
	}
	return ip, itoa(p), true
}

func callOf(ev *tracefile.Raw) Call {
	return Call{TimeUsec: ev.TimestampUsec, Type: ev.Type, Return: ev.ReturnValue, Errno: ev.Errno,
		DurationNsec: ev.DurationNsec, TID: ev.ThreadID, Line: ev.Line, Fake: ev.FakeCall}
}

// long keeps the socket's longest calls (a small sorted list).
func (a *sockAcc) long(ev *tracefile.Raw) {
	n := a.o.LongCalls
	l := a.s.LongCalls
	if n <= 0 || (len(l) == n && ev.DurationNsec <= l[n-1].DurationNsec) || ev.DurationNsec == 0 {
		return
	}
	i := sort.Search(len(l), func(i int) bool { return l[i].DurationNsec < ev.DurationNsec })
	l = append(l, Call{})
	copy(l[i+1:], l[i:])
	l[i] = callOf(ev)
	if len(l) > n {
		l = l[:n]
	}
	a.s.LongCalls = l
}

func (a *sockAcc) finish(pa *procAcc) {
	s := a.s
	s.DurationUsec = s.LastUsec - s.FirstUsec
	if s.Protocol == "" {
		s.Protocol = "?"
	}
	if s.Host == "" && s.Remote != "" {
		if ip, _, err := net.SplitHostPort(s.Remote); err == nil {
			s.Host = pa.dns[ip]
		}
	}
	if a.rttN > 0 {
		s.TCPInfo.RTTAvgUsec = a.rttSum / float64(a.rttN)
	}
	// Durations are known when every real call carried one.
	if a.nonFake > 0 && a.durN == a.nonFake {
		r, w, wt := a.read, a.write, a.wait
		s.Timing.ReadNsec, s.Timing.WriteNsec, s.Timing.WaitNsec = &r, &w, &wt
	}
	s.Series.Bytes = a.bytes.done()
	s.Series.TCPInfo = a.tcpi.done()
	for k, c := range a.fails {
		s.Failures = append(s.Failures, Failure{Function: k[0], Errno: k[1], Count: c})
	}
	sort.Slice(s.Failures, func(i, j int) bool {
		x, y := s.Failures[i], s.Failures[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		if x.Function != y.Function {
			return x.Function < y.Function
		}
		return x.Errno < y.Errno
	})
	if s.Failures == nil {
		s.Failures = []Failure{}
	}
	if s.LongCalls == nil {
		s.LongCalls = []Call{}
	}
}

// decimator keeps about max points of a stream of unknown length: every
// point until 2*max, then every other one, then every fourth… The last
// point is always kept.
type decimator[T any] struct {
	max     int
	pts     []T
	stride  int
	n       int
	pending T
	hasPend bool
}

func (d *decimator[T]) add(p T) {
	if d.stride == 0 {
		d.stride = 1
	}
	d.n++
	if (d.n-1)%d.stride != 0 {
		d.pending, d.hasPend = p, true
		return
	}
	d.pts = append(d.pts, p)
	d.hasPend = false
	if len(d.pts) >= 2*d.max {
		last := d.pts[len(d.pts)-1]
		half := d.pts[:0]
		for i := 0; i < len(d.pts); i += 2 {
			half = append(half, d.pts[i])
		}
		d.pts = half
		d.stride *= 2
		// 2*max points: the newest (odd index) fell out with every other one.
		d.pending, d.hasPend = last, true
	}
}

func (d *decimator[T]) done() []T {
	if d.hasPend {
		d.pts = append(d.pts, d.pending)
		d.hasPend = false
	}
	if d.pts == nil {
		return []T{}
	}
	return d.pts
}

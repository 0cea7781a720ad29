package stats

import (
	"net"
	"regexp"
	"strconv"
)

// Accumulator computes the statistics of one trace, fed event by event in
// file order (all events of a socket together, as every trace reader
// delivers them). It keeps a process aggregate per process, the trace's
// aggregate per socket class, and, when KeepSockets is set, each socket's.
type Accumulator struct {
	Info        TraceInfo
	KeepSockets bool

	trace   *Trace
	procs   map[string]*Agg
	sockets map[SocketKey]*SocketStats
	cur     *sockAcc
	// firstApp names the app after its first process when the trace
	// has no meta/app.
	firstApp string
	start    int64 // the first event's time
}

// SetInfo sets the trace's facts once they are known (a streaming reader
// may meet meta/ after the sockets): footprints move to the app's name.
func (a *Accumulator) SetInfo(info TraceInfo) {
	if info.StartUsec == 0 {
		info.StartUsec = a.start
	}
	a.Info = info
	a.trace.Info = info
	a.rekey()
}

func (a *Accumulator) rekey() {
	app := a.Info.App
	if app == "" {
		app = a.firstApp
	}
	if app == "" {
		return
	}
	a.Info.App, a.trace.Info.App = app, app
	move := func(g *Agg) {
		if f, ok := g.Apps[""]; ok {
			delete(g.Apps, "")
			tmp := &Agg{Apps: map[string]*Footprint{app: f}}
			tmp.init()
			g.Add(tmp)
		}
	}
	for _, g := range a.trace.Classes {
		move(g)
	}
	for _, g := range a.procs {
		move(g)
	}
	for _, s := range a.sockets {
		move(s.Agg)
	}
}

// SocketKey names a socket in a trace.
type SocketKey struct {
	Process string
	Index   int
}

// SocketStats is one socket's aggregate and its bytes over time.
type SocketStats struct {
	Class Class   `json:"class"`
	Agg   *Agg    `json:"agg"`
	Sent  []Point `json:"sent"` // cumulative bytes sent, one point per successful send-like call
	Recv  []Point `json:"recv"`
}

// Point is one step of a cumulative series.
type Point struct {
	Usec  int64 `json:"usec"` // since the socket's first event
	Bytes int64 `json:"bytes"`
}

// NewAccumulator starts the statistics of one trace.
func NewAccumulator(info TraceInfo) *Accumulator {
	return &Accumulator{Info: info, trace: &Trace{Info: info, Classes: map[string]*Agg{}, Hosts: Counter{}},
		procs: map[string]*Agg{}, sockets: map[SocketKey]*SocketStats{}}
}

type sockAcc struct {
	key        SocketKey
	app        string
	agg        *Agg
	domain     string
	typ        string
	remote     bool
	phase      int
	events     int // real and fake, to recognise the creating accept
	first      int64
	tidKeys    map[string]bool
	sawOpt     bool
	lastTID    int64 // the thread of the previous call, and its entry
	lastThread *Thread
	sawTCPInfo bool
	sent, recv []Point
	sentN      int64
	recvN      int64
}

var processDirRe = regexp.MustCompile(`^(.+)_([0-9]{3,})$`)

// Event adds one event of socket index of process (its directory name).
func (a *Accumulator) Event(process string, index int, e Event) {
	k := SocketKey{process, index}
	if a.cur == nil || a.cur.key != k {
		a.flushSocket()
		if a.firstApp == "" {
			if m := processDirRe.FindStringSubmatch(process); m != nil {
				a.firstApp = m[1]
			} else {
				a.firstApp = process
			}
		}
		// Footprints are the trace's app's: its children (sh, …) are
		// part of it. Until meta/app is known (SetInfo) the key is "".
		a.cur = &sockAcc{key: k, app: a.Info.App, agg: NewAgg(), tidKeys: map[string]bool{}, first: e.TimestampUsec}
	}
	if e.TimestampUsec > 0 && (a.start == 0 || e.TimestampUsec < a.start) {
		a.start = e.TimestampUsec
		a.Info.StartUsec, a.trace.Info.StartUsec = e.TimestampUsec, e.TimestampUsec
	}
	a.cur.event(e)
}

// Host counts one successful lookup of a host name (dns.json).
func (a *Accumulator) Host(name string) {
	if name != "" {
		a.trace.Hosts[name]++ // trace-level: a name is not a socket class
	}
}

// Flush ends the socket being fed; call it after the last event.
func (a *Accumulator) Flush() {
	a.flushSocket()
	a.rekey()
}

func (a *Accumulator) flushSocket() {
	s := a.cur
	if s == nil {
		return
	}
	a.cur = nil
	ag := s.agg
	ag.Sockets = 1
	ag.Procs[s.key.Process] = true
	if ag.Apps[s.app] == nil {
		ag.Apps[s.app] = newFootprint()
	}
	remote := int64(0)
	if s.remote {
		remote = 1
	}
	ag.SockRemote = Share{remote, 1}
	ag.SockWithOpt = Share{b2i(s.sawOpt), 1}
	ag.SockTCPInfo = Share{b2i(s.sawTCPInfo), 1}
	ag.SockWithThread[int64(len(s.tidKeys))]++
	for k := range s.tidKeys {
		ag.Threads[k].Sockets = 1
	}
	c := Class{Proto: protoOf(s.typ), Family: familyOf(s.domain), Remote: s.remote}
	if a.trace.Classes[c.String()] == nil {
		a.trace.Classes[c.String()] = NewAgg()
	}
	a.trace.Classes[c.String()].Add(ag)
	if a.procs[s.key.Process] == nil {
		a.procs[s.key.Process] = NewAgg()
	}
	a.procs[s.key.Process].Add(ag)
	if a.KeepSockets {
		a.sockets[s.key] = &SocketStats{Class: c, Agg: ag, Sent: s.sent, Recv: s.recv}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func protoOf(typ string) string {
	switch typ {
	case "SOCK_STREAM":
		return "tcp"
	case "SOCK_DGRAM":
		return "udp"
	}
	return "other"
}

func familyOf(domain string) string {
	switch domain {
	case "AF_INET":
		return "ipv4"
	case "AF_INET6":
		return "ipv6"
	}
	return "other"
}

// Trace is the trace's aggregate, by socket class; Process and Socket the
// finer scopes. Call Flush first.
func (a *Accumulator) Trace() *Trace { return a.trace }

// Process returns a process's aggregate (nil when it has no socket).
func (a *Accumulator) Process(name string) *Agg { return a.procs[name] }

// Processes lists the processes that had sockets.
func (a *Accumulator) Processes() map[string]*Agg { return a.procs }

// Socket returns a socket's statistics (KeepSockets only).
func (a *Accumulator) Socket(k SocketKey) *SocketStats { return a.sockets[k] }

// Sockets returns every kept socket.
func (a *Accumulator) Sockets() map[SocketKey]*SocketStats { return a.sockets }

// isRemote says whether ip is an address of another host: not loopback
// (127/8, ::1, ::ffff:127.x) and not unspecified (0.0.0.0 and :: reach
// the local host).
func isRemote(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && !p.IsLoopback() && !p.IsUnspecified()
}

func (s *sockAcc) peer(d Details, path ...string) {
	if ip, ok := d.DetailString(append(path, "ip")...); ok && isRemote(ip) {
		s.remote = true
	}
}

func (s *sockAcc) sockInfo(e Event) {
	if v, ok := e.D.DetailString("sock_info", "domain"); ok {
		s.domain = v
	}
	if v, ok := e.D.DetailString("sock_info", "type"); ok {
		s.typ = v
	}
}

func (s *sockAcc) event(e Event) {
	s.events++
	a := s.agg
	switch e.Type {
	case "socket", "forked_socket", "ghost_socket":
		s.sockInfo(e)
	case "tcp_info": // a sample taken by the shim (-b), fake but measured
		if v, ok := e.D.DetailInt("rtt"); ok {
			a.TCPInfoRTT[v]++
		}
		if v, ok := e.D.DetailInt("snd_cwnd"); ok {
			a.TCPInfoCwnd[v]++
		}
	}
	if e.FakeCall {
		return
	}
	if (e.Type == "accept" || e.Type == "accept4") && s.events == 1 {
		// The shim writes an accept twice: on the listening socket (the
		// call) and first in the new socket's file (its creation). Only
		// the first is a call; the second gives the peer and sock_info.
		s.sockInfo(e)
		s.peer(e.D, "addr")
		if s.phase < phaseReady {
			s.phase = phaseReady
		}
		return
	}
	a.Events++
	a.Calls[e.Type]++
	if !e.Success {
		a.Failed[e.Type]++
		a.Errno[e.Errno]++
		if a.ErrnoBy[e.Type] == nil {
			a.ErrnoBy[e.Type] = Counter{}
		}
		a.ErrnoBy[e.Type][e.Errno]++
	}
	th := s.lastThread
	if th == nil || s.lastTID != e.ThreadID {
		tk := s.key.Process + "/" + strconv.FormatInt(e.ThreadID, 10)
		th = a.Threads[tk]
		if th == nil {
			th = &Thread{}
			a.Threads[tk] = th
			s.tidKeys[tk] = true
		}
		s.lastThread, s.lastTID = th, e.ThreadID
	}
	th.Calls++
	fp := a.Apps[s.app]
	if fp == nil {
		fp = newFootprint()
		a.Apps[s.app] = fp
	}
	fp.Functions[e.Type] = true

	switch {
	case e.Type == "socket":
		domain, _ := e.D.DetailString("sock_info", "domain")
		typ, _ := e.D.DetailString("sock_info", "type")
		proto, _ := e.D.DetailString("sock_info", "protocol")
		if proto == "" {
			if n, ok := e.D.DetailInt("sock_info", "protocol"); ok {
				proto = strconv.FormatInt(n, 10)
			}
		}
		a.SockDomain[domain]++
		a.SockType[typ]++
		a.SockProto[proto]++
		for _, f := range []string{"SOCK_CLOEXEC", "SOCK_NONBLOCK"} {
			if v, ok := e.D.DetailBool("sock_info", f); ok {
				share(a.SockFlags, f, v)
			}
		}
	case e.Type == "connect":
		if e.Success || e.Errno == "EINPROGRESS" {
			s.peer(e.D, "addr")
			if s.phase < phaseReady {
				s.phase = phaseReady
			}
		}
	case e.Type == "listen":
		if s.phase < phaseReady {
			s.phase = phaseReady
		}
	case e.Type == "accept" || e.Type == "accept4":
		// on the listening socket: its peers belong to the new sockets
	case e.Type == "getsockopt" || e.Type == "setsockopt":
		level, _ := e.D.DetailString("level")
		name, _ := e.D.DetailString("optname")
		opt := level + " " + name
		if e.Type == "getsockopt" {
			a.Getsockopt[opt]++
			if name == "TCP_INFO" {
				s.sawTCPInfo = true
			}
		} else {
			a.Setsockopt[opt]++
		}
		a.SockoptPhase[e.Type+" "+opt+"|"+phaseNames[s.phase]]++
		fp.Options[opt] = true
		s.sawOpt = true
	case e.Type == "fcntl":
		s.fcntl(e)
	case e.Type == "ioctl":
		req, _ := e.D.DetailString("request")
		a.Ioctl[req]++
		fp.Ioctls[req] = true
	case e.Type == "shutdown":
		s.phase = phaseShutdown
	case sendLike[e.Type]:
		n := s.io(&a.Send, e, sendFlags)
		th.BytesSent += n
		if e.Success {
			s.sentN += n
			s.sent = append(s.sent, Point{e.TimestampUsec - s.first, s.sentN})
		}
	case recvLike[e.Type]:
		n := s.io(&a.Recv, e, recvFlags)
		th.BytesRecv += n
		if e.Success {
			s.recvN += n
			s.recv = append(s.recv, Point{e.TimestampUsec - s.first, s.recvN})
		}
	case asyncLike[e.Type]:
		a.Async[e.Type]++
		for _, f := range asyncEventNames(e.Type) {
			if v, _ := e.D.DetailBool("requested_events", f); v {
				a.AsyncRequested[e.Type+" "+f]++
			}
			if v, _ := e.D.DetailBool("returned_events", f); v {
				a.AsyncReturned[e.Type+" "+f]++
			}
		}
	}
}

func share(m map[string]*Share, k string, v bool) {
	s := m[k]
	if s == nil {
		s = &Share{}
		m[k] = s
	}
	s.Total++
	if v {
		s.True++
	}
}

func (s *sockAcc) fcntl(e Event) {
	a := s.agg
	cmd, _ := e.D.DetailString("cmd")
	a.Fcntl[cmd]++
	switch cmd {
	case "F_SETFD":
		if v, ok := e.D.DetailBool("O_CLOEXEC"); ok {
			share(a.FcntlFlags, cmd+" O_CLOEXEC", v)
		}
	case "F_GETFD":
		if e.Success {
			share(a.FcntlFlags, cmd+" O_CLOEXEC", e.ReturnValue&1 != 0)
		}
	case "F_SETFL":
		for _, f := range flFlags {
			if v, ok := e.D.DetailBool(f); ok {
				share(a.FcntlFlags, cmd+" "+f, v)
			}
		}
	case "F_GETFL":
		if e.Success {
			for _, f := range flFlags {
				share(a.FcntlFlags, cmd+" "+f, e.ReturnValue&flBits[f] != 0)
			}
		}
	}
}

// io counts a send-like or recv-like call and returns the bytes it moved.
func (s *sockAcc) io(o *IO, e Event, flags []string) int64 {
	o.Calls[e.Type]++
	if s.phase < phaseData {
		s.phase = phaseData
	}
	if buf, ok := e.D.DetailInt("bytes"); ok {
		o.BufSize[buf]++
		if o.BufSizeBy[e.Type] == nil {
			o.BufSizeBy[e.Type] = Values{}
		}
		o.BufSizeBy[e.Type][buf]++
	}
	for _, f := range flags {
		if v, ok := e.D.DetailBool("flags", f); ok {
			share(o.Flags, f, v)
		}
	}
	iov, ok := e.D.DetailInt("iovec", "iovec_count")
	if !ok {
		iov, ok = e.D.DetailInt("msghdr", "iovec", "iovec_count")
	}
	if ok {
		if o.Iovec[e.Type] == nil {
			o.Iovec[e.Type] = Values{}
		}
		o.Iovec[e.Type][iov]++
	}
	switch e.Type {
	case "sendto", "recvfrom":
		if e.Success {
			s.peer(e.D, "addr")
		}
	case "sendmsg", "recvmsg":
		if e.Success {
			s.peer(e.D, "msghdr", "addr")
		}
	}
	if !e.Success {
		o.Failed[e.Type]++
		o.Errno[e.Errno]++
		return 0
	}
	n := e.ReturnValue
	if e.Type == "sendmmsg" || e.Type == "recvmmsg" {
		// return_value is a count of messages; the bytes are per entry,
		// of which only the first return_value were transmitted.
		n = 0
		i := int64(0)
		e.D.Each(func(el Details) {
			if i < e.ReturnValue {
				if b, ok := el.DetailInt("transmitted_bytes"); ok {
					n += b
				}
				s.peer(el, "msghdr", "addr")
			}
			i++
		}, "mmsghdr_vec")
	}
	if peek, _ := e.D.DetailBool("flags", "MSG_PEEK"); peek {
		n = 0 // the bytes stay in the socket for the next read: counted once, there
	}
	o.Bytes[e.Type] += n
	o.Moved[n]++
	return n
}

package stats

// The aggregate of one scope (a socket, a process, a trace, a dataset). It
// only holds counts, so aggregates add up: a trace's aggregate is the sum of
// its sockets', a dataset's the sum of its traces'. A server keeps one per
// trace (per socket class, see Trace) and combines them for any filter;
// deleting a trace is combining the others again.

// Counter counts by key.
type Counter map[string]int64

// Values counts occurrences of integer values (buffer sizes, bytes moved,
// RTTs); a CDF is drawn from it. Exact values: traces repeat the same few
// sizes, so this stays small and merges without losing anything.
type Values map[int64]int64

// Share counts how many of Total had a boolean flag set.
type Share struct {
	True  int64 `json:"true"`
	Total int64 `json:"total"`
}

// IO is the send-like or recv-like half of an aggregate.
type IO struct {
	Calls     Counter           `json:"calls"`       // function -> calls
	Failed    Counter           `json:"failed"`      // function -> failed calls
	Errno     Counter           `json:"errno"`       // errno -> failed calls
	Bytes     Counter           `json:"bytes"`       // function -> bytes moved
	Flags     map[string]*Share `json:"flags"`       // MSG_* -> calls with it / calls with a flags argument
	BufSize   Values            `json:"buf_size"`    // details.bytes: the size asked for
	Moved     Values            `json:"moved"`       // bytes really moved by successful calls
	BufSizeBy map[string]Values `json:"buf_size_by"` // function -> buffer sizes
	Iovec     map[string]Values `json:"iovec"`       // writev/sendmsg/readv/recvmsg -> iovec counts
}

// Thread is what one thread did (process and socket scopes).
type Thread struct {
	Calls     int64 `json:"calls"`
	BytesSent int64 `json:"bytes_sent"`
	BytesRecv int64 `json:"bytes_recv"`
	Sockets   int64 `json:"sockets"`
}

// Footprint is the set of functions, socket options and ioctl requests an
// app used.
type Footprint struct {
	Functions map[string]bool `json:"functions"`
	Options   map[string]bool `json:"options"`
	Ioctls    map[string]bool `json:"ioctls"`
}

// Agg is the aggregate of one scope.
type Agg struct {
	Traces    int64 `json:"traces"`
	Processes int64 `json:"processes"` // sealed processes (see Procs)
	Sockets   int64 `json:"sockets"`
	Events    int64 `json:"events"` // real calls (fake ones never count)

	Calls   Counter            `json:"calls"`
	Failed  Counter            `json:"failed"`
	Errno   Counter            `json:"errno"`
	ErrnoBy map[string]Counter `json:"errno_by"` // function -> errno -> calls

	SockDomain Counter           `json:"sock_domain"`
	SockType   Counter           `json:"sock_type"`
	SockProto  Counter           `json:"sock_protocol"`
	SockFlags  map[string]*Share `json:"sock_flags"` // SOCK_CLOEXEC, SOCK_NONBLOCK over socket() calls

	Getsockopt Counter `json:"getsockopt"` // "LEVEL OPTNAME"
	Setsockopt Counter `json:"setsockopt"`
	// SockoptPhase: "setsockopt OPT|phase": where in the socket's life
	// (before-connect, before-data, during-data, after-shutdown).
	SockoptPhase Counter `json:"sockopt_phase"`

	Fcntl      Counter           `json:"fcntl"`
	FcntlFlags map[string]*Share `json:"fcntl_flags"` // "F_SETFL O_NONBLOCK"

	Send IO `json:"send"`
	Recv IO `json:"recv"`

	Async          Counter `json:"async"`           // function -> calls
	AsyncRequested Counter `json:"async_requested"` // "poll POLLIN" -> calls asking for it
	AsyncReturned  Counter `json:"async_returned"`

	Ioctl Counter `json:"ioctl"`

	// Per socket facts, counted in sockets.
	SockRemote     Share  `json:"sock_remote"`       // connected to, accepted from or exchanged datagrams with a non-loopback address
	SockWithOpt    Share  `json:"sock_with_sockopt"` // set or got at least one option
	SockTCPInfo    Share  `json:"sock_tcp_info"`     // the program itself asked getsockopt(TCP_INFO)
	SockWithThread Values `json:"sock_threads"`      // threads per socket -> sockets

	TCPInfoRTT  Values `json:"tcp_info_rtt"`  // sampled tcp_info (-b): rtt in µs
	TCPInfoCwnd Values `json:"tcp_info_cwnd"` // snd_cwnd in segments

	Hosts Counter `json:"hosts"` // host names the sockets' peers were looked up as

	// Threads by "process/tid"; kept at socket, process and trace scope,
	// dropped at dataset scope (ThreadCount remains).
	Threads     map[string]*Thread `json:"threads,omitempty"`
	ThreadCount int64              `json:"thread_count"` // sealed threads

	// Apps: the footprint of each app, the source of "apps using X".
	Apps map[string]*Footprint `json:"apps"`
	// Specialised apps among Apps (browsers, network tools).
	Specialised map[string]bool `json:"specialised,omitempty"`

	// Procs: processes seen (by name), counted once when socket classes
	// of a trace merge; Seal turns them into Processes.
	Procs map[string]bool `json:"procs,omitempty"`
}

// NProcesses and NThreads count the sealed ones and the named ones.
func (a *Agg) NProcesses() int64 { return a.Processes + int64(len(a.Procs)) }
func (a *Agg) NThreads() int64   { return a.ThreadCount + int64(len(a.Threads)) }

// Seal turns the named processes and threads into counts, before the
// aggregate of one trace joins others (names are only unique in a trace).
func (a *Agg) Seal() {
	a.Processes += int64(len(a.Procs))
	a.ThreadCount += int64(len(a.Threads))
	a.Procs, a.Threads = map[string]bool{}, map[string]*Thread{}
}

// NewAgg returns an empty aggregate.
func NewAgg() *Agg {
	a := &Agg{}
	a.init()
	return a
}

// init makes every nil map (a fresh aggregate, or one decoded from JSON
// where empty maps were left out) usable.
func (a *Agg) init() {
	for _, c := range []*Counter{&a.Calls, &a.Failed, &a.Errno, &a.SockDomain, &a.SockType, &a.SockProto,
		&a.Getsockopt, &a.Setsockopt, &a.SockoptPhase, &a.Fcntl, &a.Async, &a.AsyncRequested,
		&a.AsyncReturned, &a.Ioctl, &a.Hosts} {
		if *c == nil {
			*c = Counter{}
		}
	}
	for _, v := range []*Values{&a.SockWithThread, &a.TCPInfoRTT, &a.TCPInfoCwnd} {
		if *v == nil {
			*v = Values{}
		}
	}
	for _, m := range []*map[string]*Share{&a.SockFlags, &a.FcntlFlags} {
		if *m == nil {
			*m = map[string]*Share{}
		}
	}
	if a.ErrnoBy == nil {
		a.ErrnoBy = map[string]Counter{}
	}
	if a.Threads == nil {
		a.Threads = map[string]*Thread{}
	}
	if a.Apps == nil {
		a.Apps = map[string]*Footprint{}
	}
	if a.Specialised == nil {
		a.Specialised = map[string]bool{}
	}
	if a.Procs == nil {
		a.Procs = map[string]bool{}
	}
	a.Send.init()
	a.Recv.init()
}

func (o *IO) init() {
	for _, c := range []*Counter{&o.Calls, &o.Failed, &o.Errno, &o.Bytes} {
		if *c == nil {
			*c = Counter{}
		}
	}
	for _, v := range []*Values{&o.BufSize, &o.Moved} {
		if *v == nil {
			*v = Values{}
		}
	}
	if o.Flags == nil {
		o.Flags = map[string]*Share{}
	}
	if o.BufSizeBy == nil {
		o.BufSizeBy = map[string]Values{}
	}
	if o.Iovec == nil {
		o.Iovec = map[string]Values{}
	}
}

func newFootprint() *Footprint {
	return &Footprint{Functions: map[string]bool{}, Options: map[string]bool{}, Ioctls: map[string]bool{}}
}

func (c Counter) add(o Counter) {
	for k, v := range o {
		c[k] += v
	}
}

// Total is the sum of the counts.
func (c Counter) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

func (v Values) add(o Values) {
	for k, n := range o {
		v[k] += n
	}
}

func addShares(dst, src map[string]*Share) {
	for k, s := range src {
		d := dst[k]
		if d == nil {
			d = &Share{}
			dst[k] = d
		}
		d.True += s.True
		d.Total += s.Total
	}
}

func (s *Share) add(o Share) { s.True += o.True; s.Total += o.Total }

func addValuesBy(dst, src map[string]Values) {
	for k, v := range src {
		if dst[k] == nil {
			dst[k] = Values{}
		}
		dst[k].add(v)
	}
}

func (o *IO) add(x *IO) {
	o.Calls.add(x.Calls)
	o.Failed.add(x.Failed)
	o.Errno.add(x.Errno)
	o.Bytes.add(x.Bytes)
	addShares(o.Flags, x.Flags)
	o.BufSize.add(x.BufSize)
	o.Moved.add(x.Moved)
	addValuesBy(o.BufSizeBy, x.BufSizeBy)
	addValuesBy(o.Iovec, x.Iovec)
}

// Add adds b into a. Threads and processes are keyed by name, so adding
// the sockets of one trace counts each once; across traces the keys are
// distinct (Dataset prefixes them).
func (a *Agg) Add(b *Agg) {
	a.init()
	b.init()
	a.Traces += b.Traces
	a.Processes += b.Processes
	a.Sockets += b.Sockets
	a.Events += b.Events
	a.Calls.add(b.Calls)
	a.Failed.add(b.Failed)
	a.Errno.add(b.Errno)
	for fn, c := range b.ErrnoBy {
		if a.ErrnoBy[fn] == nil {
			a.ErrnoBy[fn] = Counter{}
		}
		a.ErrnoBy[fn].add(c)
	}
	a.SockDomain.add(b.SockDomain)
	a.SockType.add(b.SockType)
	a.SockProto.add(b.SockProto)
	addShares(a.SockFlags, b.SockFlags)
	a.Getsockopt.add(b.Getsockopt)
	a.Setsockopt.add(b.Setsockopt)
	a.SockoptPhase.add(b.SockoptPhase)
	a.Fcntl.add(b.Fcntl)
	addShares(a.FcntlFlags, b.FcntlFlags)
	a.Send.add(&b.Send)
	a.Recv.add(&b.Recv)
	a.Async.add(b.Async)
	a.AsyncRequested.add(b.AsyncRequested)
	a.AsyncReturned.add(b.AsyncReturned)
	a.Ioctl.add(b.Ioctl)
	a.SockRemote.add(b.SockRemote)
	a.SockWithOpt.add(b.SockWithOpt)
	a.SockTCPInfo.add(b.SockTCPInfo)
	a.SockWithThread.add(b.SockWithThread)
	a.TCPInfoRTT.add(b.TCPInfoRTT)
	a.TCPInfoCwnd.add(b.TCPInfoCwnd)
	a.Hosts.add(b.Hosts)
	for k, t := range b.Threads {
		d := a.Threads[k]
		if d == nil {
			d = &Thread{}
			a.Threads[k] = d
		}
		d.Calls += t.Calls
		d.BytesSent += t.BytesSent
		d.BytesRecv += t.BytesRecv
		d.Sockets += t.Sockets
	}
	a.ThreadCount += b.ThreadCount
	for app, f := range b.Apps {
		d := a.Apps[app]
		if d == nil {
			d = newFootprint()
			a.Apps[app] = d
		}
		for k := range f.Functions {
			d.Functions[k] = true
		}
		for k := range f.Options {
			d.Options[k] = true
		}
		for k := range f.Ioctls {
			d.Ioctls[k] = true
		}
	}
	for app := range b.Specialised {
		a.Specialised[app] = true
	}
	for p := range b.Procs {
		a.Procs[p] = true
	}
}

// Bytes sent and received by successful calls.
func (a *Agg) BytesSent() int64 { return a.Send.Bytes.Total() }
func (a *Agg) BytesRecv() int64 { return a.Recv.Bytes.Total() }

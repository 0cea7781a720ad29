// Package report summarises a trace: per process, per socket and in total
// (what `tcpsnitch report` prints, writes as JSON and draws as a page, and
// what the collection server shows). The model below is the JSON schema of
// `tcpsnitch report --json`, documented in docs/report.md: fields are only
// ever added, never renamed; SchemaVersion changes if one ever must be.
package report

// SchemaVersion of the JSON output.
const SchemaVersion = 1

// Report is the summary of one trace.
type Report struct {
	SchemaVersion int               `json:"schema_version"`
	Source        string            `json:"source"` // the path given
	Meta          map[string]string `json:"meta"`   // meta/<fact> files but net, value without its newline
	StartUsec     int64             `json:"start_usec"`
	EndUsec       int64             `json:"end_usec"`
	// DurationsKnown: the trace's events carry duration_nsec. Without it
	// (the original's traces, ours from before) every *_nsec time that
	// needs a call's duration is null.
	DurationsKnown bool       `json:"durations_known"`
	Totals         Totals     `json:"totals"`
	Processes      []*Process `json:"processes"`
	Problems       []Problem  `json:"problems"` // damaged spots, with file and line
}

// Totals are counts over a process or the whole trace.
type Totals struct {
	Processes     int   `json:"processes"`
	Sockets       int   `json:"sockets"`
	Events        int   `json:"events"`
	BytesSent     int64 `json:"bytes_sent"`
	BytesReceived int64 `json:"bytes_received"`
	FailedCalls   int   `json:"failed_calls"`
}

// Process is one <app>_NNN directory.
type Process struct {
	Name         string    `json:"name"` // directory name, "curl_000"
	App          string    `json:"app"`
	PID          int64     `json:"pid"`     // from logs.txt; 0 when unknown
	Command      string    `json:"command"` // meta/cmd for the traced command's first process, else the app
	StartUsec    int64     `json:"start_usec"`
	EndUsec      int64     `json:"end_usec"`
	DurationUsec int64     `json:"duration_usec"`
	Totals       Totals    `json:"totals"`
	Threads      []Thread  `json:"threads"`
	Lookups      []Lookup  `json:"lookups"` // dns.json, when the trace has it
	Sockets      []*Socket `json:"sockets"`
}

// Thread is one thread that made socket calls.
type Thread struct {
	TID   int64 `json:"tid"`
	Calls int   `json:"calls"`
	// SpanUsec: from the start of its first call to the end of its last.
	SpanUsec int64 `json:"span_usec"`
	// InCallsNsec: time inside socket calls (a poll on several sockets
	// counted once); Share = InCallsNsec / SpanUsec. Null without durations.
	InCallsNsec *int64   `json:"in_calls_nsec"`
	Share       *float64 `json:"share"`
}

// Lookup is one name resolution from dns.json.
type Lookup struct {
	Function  string   `json:"function"`
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	TimeUsec  int64    `json:"time_usec"`
	Errno     string   `json:"errno,omitempty"`
}

// Socket is one N.json file.
type Socket struct {
	Index        int            `json:"index"`
	File         string         `json:"file"`
	Protocol     string         `json:"protocol"`  // "TCP", "UDP", or the sock_info type when neither
	Family       string         `json:"family"`    // "IPv4", "IPv6", "" when unknown
	Local        string         `json:"local"`     // "ip:port", "" when the trace does not say
	Remote       string         `json:"remote"`    // "" for a listening socket (its connections have their own files)
	Listening    bool           `json:"listening"` // listen() succeeded on it
	Accepted     int            `json:"accepted"`  // connections accepted from it
	Host         string         `json:"host"`      // name the remote address was looked up as (dns.json)
	FirstUsec    int64          `json:"first_usec"`
	LastUsec     int64          `json:"last_usec"`
	DurationUsec int64          `json:"duration_usec"`
	Events       int            `json:"events"`
	BytesSent    int64          `json:"bytes_sent"`
	BytesRecv    int64          `json:"bytes_received"`
	Calls        map[string]int `json:"calls"` // function -> number of calls (tcp_info samples excluded)
	FailedCalls  int            `json:"failed_calls"`
	Failures     []Failure      `json:"failures"`
	TCPInfo      *TCPInfo       `json:"tcp_info"` // null when never sampled
	Timing       Timing         `json:"timing"`
	Wire         *Wire          `json:"wire"` // null without a pcap
	Series       Series         `json:"series"`
	LongCalls    []Call         `json:"long_calls"` // the longest calls, longest first (durations known only)
	// Kept is a sample of the socket's events for the page's table (the
	// first ones, within a budget); EventsKept == len(Kept). Not in --json.
	Kept []Call `json:"-"`
}

// Failure counts failed calls of one function with one errno.
type Failure struct {
	Function string `json:"function"`
	Errno    string `json:"errno"`
	Count    int    `json:"count"`
}

// TCPInfo summarises the socket's tcp_info samples. RTT in microseconds,
// samples with rtt 0 (no measurement yet) left out of the RTT figures.
type TCPInfo struct {
	Samples      int     `json:"samples"`
	RTTMinUsec   int64   `json:"rtt_min_usec"`
	RTTAvgUsec   float64 `json:"rtt_avg_usec"`
	RTTMaxUsec   int64   `json:"rtt_max_usec"`
	MaxCwnd      int64   `json:"max_cwnd"`
	TotalRetrans int64   `json:"total_retrans"`
}

// Timing: where the socket's time went. Null fields are unknown.
type Timing struct {
	// ConnectNsec: from the start of connect until it completed (its own
	// duration when it blocked; until the socket was first usable after
	// EINPROGRESS).
	ConnectNsec *int64 `json:"connect_nsec"`
	// FirstByteNsec: from the start of connect (or of the first send) to
	// the end of the first receive that returned data.
	FirstByteNsec *int64 `json:"first_byte_nsec"`
	ReadNsec      *int64 `json:"read_nsec"`  // inside recv/read/… calls
	WriteNsec     *int64 `json:"write_nsec"` // inside send/write/… calls
	WaitNsec      *int64 `json:"wait_nsec"`  // inside poll/select/epoll waits that watched this socket
}

// Wire: what the socket's pcap saw.
type Wire struct {
	Packets     int    `json:"packets"`
	Bytes       int64  `json:"bytes"` // captured length of every packet
	PayloadSent int64  `json:"payload_sent"`
	PayloadRecv int64  `json:"payload_received"`
	Retransmits int    `json:"retransmits"` // TCP segments whose data was sent before
	HandshakeUs *int64 `json:"handshake_usec"`
	TeardownUs  *int64 `json:"teardown_usec"`
	Warning     string `json:"warning,omitempty"` // the wire and the application disagree
	Error       string `json:"error,omitempty"`   // the pcap could not be read
}

// Series are the socket's plots, sampled to at most a few hundred points
// (the first and last always kept).
type Series struct {
	// Bytes: [time_usec, cumulative bytes sent, cumulative bytes received].
	Bytes [][3]int64 `json:"bytes"`
	// TCPInfo: [time_usec, rtt_usec, snd_cwnd, total_retrans].
	TCPInfo [][4]int64 `json:"tcp_info"`
}

// Call is one event as the page's tables and the long-call list show it.
type Call struct {
	TimeUsec     int64  `json:"time_usec"` // when it returned
	Type         string `json:"type"`
	Return       int64  `json:"return_value"`
	Errno        string `json:"errno,omitempty"`
	DurationNsec int64  `json:"duration_nsec"` // -1 when unknown
	TID          int64  `json:"tid"`
	Line         int    `json:"line"`
	Fake         bool   `json:"fake,omitempty"`
}

// Problem is a damaged spot of the trace; the rest is still summarised.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line"` // 0: the whole file
	Msg  string `json:"message"`
}

package stats

// The function groups of the original platform, and the flag names the
// shim writes for each (see shim/event_json.c).

var sendLike = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "sendmmsg": true,
	"write": true, "writev": true, "sendfile": true}

var recvLike = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "recvmmsg": true,
	"read": true, "readv": true}

var asyncLike = map[string]bool{"select": true, "pselect": true, "poll": true, "ppoll": true,
	"epoll_ctl": true, "epoll_wait": true, "epoll_pwait": true, "epoll_pwait2": true}

var sendFlags = []string{"MSG_CONFIRM", "MSG_DONTROUTE", "MSG_DONTWAIT", "MSG_EOR", "MSG_MORE", "MSG_NOSIGNAL", "MSG_OOB"}
var recvFlags = []string{"MSG_CMSG_CLOEXEC", "MSG_DONTWAIT", "MSG_ERRQUEUE", "MSG_OOB", "MSG_PEEK", "MSG_TRUNC", "MSG_WAITALL"}

var pollEvents = []string{"POLLIN", "POLLPRI", "POLLOUT", "POLLRDHUP", "POLLERR", "POLLHUP", "POLLNVAL"}
var selectEvents = []string{"READ", "WRITE", "EXCEPT"}
var epollEvents = []string{"EPOLLIN", "EPOLLOUT", "EPOLLRDHUP", "EPOLLPRI", "EPOLLERR", "EPOLLHUP",
	"EPOLLET", "EPOLLONESHOT", "EPOLLWAKEUP", "EPOLLEXCLUSIVE"}

func asyncEventNames(fn string) []string {
	switch fn {
	case "poll", "ppoll":
		return pollEvents
	case "select", "pselect":
		return selectEvents
	}
	return epollEvents
}

// fcntl flags, as the original listed them: O_CLOEXEC for F_GETFD/F_SETFD,
// and these for F_GETFL/F_SETFL.
var flFlags = []string{"O_APPEND", "O_ASYNC", "O_DIRECT", "O_NOATIME", "O_NONBLOCK"}

// flBits are the Linux values of flFlags, to decode what F_GETFL returned
// (the shim records the argument of F_SETFL, not the result of F_GETFL).
// O_DIRECT differs on ARM (0x10000); the x86 value is used.
var flBits = map[string]int64{"O_APPEND": 0x400, "O_ASYNC": 0x2000, "O_DIRECT": 0x4000,
	"O_NOATIME": 0x40000, "O_NONBLOCK": 0x800}

// Socket life phases, for where socket options are used.
const (
	phaseSetup    = iota // before connect/listen (or the first datagram)
	phaseReady           // connected or listening, no data moved yet
	phaseData            // data has moved
	phaseShutdown        // after shutdown
)

var phaseNames = []string{"before-connect", "before-data", "during-data", "after-shutdown"}

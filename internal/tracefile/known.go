package tracefile

// knownTypes are the event types of the format (trace-format.md and
// docs/internals.md): the original's, plus this tool's additions.
var knownTypes = map[string]bool{}

func init() {
	for _, t := range []string{
		"socket", "forked_socket", "ghost_socket", "bind", "connect", "shutdown", "listen",
		"accept", "accept4", "getsockopt", "setsockopt", "send", "recv", "sendto", "recvfrom",
		"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "getsockname", "getpeername",
		"sockatmark", "isfdtype", "write", "read", "close", "dup", "dup2", "dup3", "writev",
		"readv", "ioctl", "sendfile", "poll", "ppoll", "select", "pselect", "fcntl",
		"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "fdopen", "tcp_info",
	} {
		knownTypes[t] = true
	}
}

// KnownType says whether typ is an event type of the format. Readers keep
// events of other types (a newer shim may add some) but can say so.
func KnownType(typ string) bool { return knownTypes[typ] }

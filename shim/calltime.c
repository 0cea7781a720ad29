#include "calltime.h"

#include "event.h"

TSTATE_TLS int64_t tcpsnitch_call_start[RID__COUNT];

#define S(name) tcpsnitch_call_start[RID_##name]

static int64_t latest(int64_t a, int64_t b) { return a > b ? a : b; }

/* Where several functions record the same event type (the _chk entry
 * points, the 64-bit variants, the ways a socket gets closed), the one
 * called last is this event's. */
int64_t call_start_nsec(int type) {
	switch (type) {
	case EV_SOCKET: return S(socket);
	case EV_BIND: return S(bind);
	case EV_CONNECT: return S(connect);
	case EV_SHUTDOWN: return S(shutdown);
	case EV_LISTEN: return S(listen);
	case EV_ACCEPT: return S(accept);
	case EV_ACCEPT4: return S(accept4);
	case EV_GETSOCKOPT: return S(getsockopt);
	case EV_SETSOCKOPT: return S(setsockopt);
	case EV_SEND: return S(send);
	case EV_RECV: return latest(S(recv), S(__recv_chk));
	case EV_SENDTO: return S(sendto);
	case EV_RECVFROM: return latest(S(recvfrom), S(__recvfrom_chk));
	case EV_SENDMSG: return S(sendmsg);
	case EV_RECVMSG: return S(recvmsg);
	case EV_SENDMMSG: return S(sendmmsg);
	case EV_RECVMMSG: return S(recvmmsg);
	case EV_GETSOCKNAME: return S(getsockname);
	case EV_GETPEERNAME: return S(getpeername);
	case EV_SOCKATMARK: return S(sockatmark);
	case EV_ISFDTYPE: return S(isfdtype);
	case EV_WRITE: return S(write);
	case EV_READ: return latest(S(read), S(__read_chk));
	case EV_CLOSE: {
		/* Also the implicit close of dup2/dup3's target and of a range. */
		int64_t t = latest(latest(S(close), S(syscall)), latest(S(close_range), S(closefrom)));
		t = latest(t, latest(S(dup2), S(dup3)));
#ifdef __ANDROID__
		t = latest(t, S(android_fdsan_close_with_tag));
#endif
		return t;
	}
	case EV_DUP: return S(dup);
	case EV_DUP2: return S(dup2);
	case EV_DUP3: return S(dup3);
	case EV_WRITEV: return S(writev);
	case EV_READV: return S(readv);
	case EV_IOCTL: return S(ioctl);
	case EV_SENDFILE: return latest(S(sendfile), S(sendfile64));
	case EV_POLL: return latest(S(poll), S(__poll_chk));
	case EV_PPOLL: return latest(S(ppoll), S(__ppoll_chk));
	case EV_SELECT: return S(select);
	case EV_PSELECT: return S(pselect);
	case EV_FCNTL: return latest(S(fcntl), S(fcntl64));
	case EV_EPOLL_CTL: return S(epoll_ctl);
	case EV_EPOLL_WAIT: return S(epoll_wait);
	case EV_EPOLL_PWAIT: return S(epoll_pwait);
	case EV_FDOPEN: return S(fdopen);
	default: return 0; /* forked_socket, ghost_socket, tcp_info: no call of the program */
	}
}

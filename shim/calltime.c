#include "calltime.h"

#include "event.h"

TSTATE_TLS int64_t tcpsnitch_call_start[RID__COUNT];

#define S(name) tcpsnitch_call_start[RID_##name]

static int64_t latest(int64_t a, int64_t b) { return a > b ? a : b; }

#ifdef TCPSNITCH_TIME64
#define T64(name) S(name)
#else
#define T64(name) 0
#endif

/* Where several functions record the same event type (the _chk entry
 * points, the 64-bit variants, the ways a socket gets closed), the one
 * called last is this event's. A hook that records one of these types
 * through another libc function must have that function's slot listed
 * here: its events would otherwise get no start (duration 0) or an older
 * call's (the format test checks both). TCPSNITCH_TIME64 (time64.h): 32-bit
 * glibc's time64 entry points. */
int64_t call_start_nsec(int type) {
	switch (type) {
	case EV_SOCKET: return S(socket);
	case EV_BIND: return S(bind);
	case EV_CONNECT: return S(connect);
	case EV_SHUTDOWN: return S(shutdown);
	case EV_LISTEN: return S(listen);
	case EV_ACCEPT: return S(accept);
	case EV_ACCEPT4: return S(accept4);
	case EV_GETSOCKOPT: return latest(S(getsockopt), T64(__getsockopt64));
	case EV_SETSOCKOPT: return latest(S(setsockopt), T64(__setsockopt64));
	case EV_SEND: return S(send);
	case EV_RECV: return latest(S(recv), S(__recv_chk));
	case EV_SENDTO: return S(sendto);
	case EV_RECVFROM: return latest(S(recvfrom), S(__recvfrom_chk));
	case EV_SENDMSG: return latest(S(sendmsg), T64(__sendmsg64));
	case EV_RECVMSG: return latest(S(recvmsg), T64(__recvmsg64));
	case EV_SENDMMSG: return latest(S(sendmmsg), T64(__sendmmsg64));
	case EV_RECVMMSG: return latest(S(recvmmsg), T64(__recvmmsg64));
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
		t = latest(t, S(fclose)); /* a FILE on the socket (fdopen) */
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
	case EV_IOCTL: return latest(S(ioctl), T64(__ioctl_time64));
	case EV_SENDFILE: return latest(S(sendfile), S(sendfile64));
	case EV_POLL: return latest(S(poll), S(__poll_chk));
	case EV_PPOLL: return latest(latest(S(ppoll), S(__ppoll_chk)), T64(__ppoll64));
	case EV_SELECT: return latest(S(select), T64(__select64));
	case EV_PSELECT: return latest(S(pselect), T64(__pselect64));
	case EV_FCNTL: return latest(latest(S(fcntl), S(fcntl64)), T64(__fcntl_time64));
	case EV_EPOLL_CTL: return S(epoll_ctl);
	case EV_EPOLL_WAIT: return S(epoll_wait);
	case EV_EPOLL_PWAIT: return S(epoll_pwait);
	case EV_FDOPEN: return S(fdopen);
	default: return 0; /* forked_socket, ghost_socket, tcp_info: no call of the program */
	}
}

/* The fixed-size record of one intercepted call, as the hooks fill it on the
 * hot path. Formatting to JSON happens later, in the writer (event_json.c). */
#ifndef TCPSNITCH_EVENT_H
#define TCPSNITCH_EVENT_H

#include "shim.h"
#include <netinet/tcp.h>

#define EVENT_TYPES(X) \
	X(SOCKET, "socket") X(FORKED_SOCKET, "forked_socket") X(GHOST_SOCKET, "ghost_socket") \
	X(BIND, "bind") X(CONNECT, "connect") X(SHUTDOWN, "shutdown") X(LISTEN, "listen") \
	X(ACCEPT, "accept") X(ACCEPT4, "accept4") X(GETSOCKOPT, "getsockopt") \
	X(SETSOCKOPT, "setsockopt") X(SEND, "send") X(RECV, "recv") X(SENDTO, "sendto") \
	X(RECVFROM, "recvfrom") X(SENDMSG, "sendmsg") X(RECVMSG, "recvmsg") \
	X(SENDMMSG, "sendmmsg") X(RECVMMSG, "recvmmsg") X(GETSOCKNAME, "getsockname") \
	X(GETPEERNAME, "getpeername") X(SOCKATMARK, "sockatmark") X(ISFDTYPE, "isfdtype") \
	X(WRITE, "write") X(READ, "read") X(CLOSE, "close") X(DUP, "dup") X(DUP2, "dup2") \
	X(DUP3, "dup3") X(WRITEV, "writev") X(READV, "readv") X(IOCTL, "ioctl") \
	X(SENDFILE, "sendfile") X(POLL, "poll") X(PPOLL, "ppoll") X(SELECT, "select") \
	X(PSELECT, "pselect") X(FCNTL, "fcntl") X(EPOLL_CTL, "epoll_ctl") \
	X(EPOLL_WAIT, "epoll_wait") X(EPOLL_PWAIT, "epoll_pwait") X(FDOPEN, "fdopen") \
	X(TCP_INFO, "tcp_info")

enum event_type {
#define X(id, name) EV_##id,
	EVENT_TYPES(X)
#undef X
	EV__COUNT
};

extern const char *const event_names[EV__COUNT];

/* An internet address; family 0 means "none given". */
struct ev_addr {
	uint16_t family;
	uint16_t port; /* host order */
	uint8_t ip[16];
};

struct ev_sockinfo {
	int32_t domain, type, protocol; /* type without SOCK_CLOEXEC/NONBLOCK */
	uint8_t cloexec, nonblock;
};

#define EV_IOV_INLINE 8
#define EV_CMSG_MAX 4

/* A message header (sendmsg, recvmsg, one entry of sendmmsg/recvmmsg) or an
 * iovec array (writev, readv). Sizes past EV_IOV_INLINE go to event.extra. */
struct ev_msg {
	int32_t iovcnt;     /* as the program passed it (may be negative) */
	int32_t msg_flags;  /* msghdr.msg_flags (what recvmsg returned) */
	uint32_t iov_sizes[EV_IOV_INLINE];
	uint32_t controllen;
	uint8_t ncmsg; /* how many of cmsg[] are filled (max EV_CMSG_MAX) */
	struct {
		int32_t level, type;
		uint32_t len;
	} cmsg[EV_CMSG_MAX];
	struct ev_addr name;
};

/* One entry of sendmmsg/recvmmsg, kept in event.extra. */
struct ev_mmsg_entry {
	uint32_t transmitted;
	struct ev_msg msg;
};

struct ev_timeout {
	uint8_t set; /* 0: NULL timeout (block forever) */
	int64_t sec, nsec;
};

struct event {
	uint16_t type;
	uint8_t fake;       /* pseudo event (forked_socket, ghost_socket) */
	int32_t err;        /* errno when the call failed */
	int64_t ret;
	int64_t ts_usec;    /* when the call returned */
	int64_t dur_nsec;   /* how long the real call took (0: no call) */
	int32_t tid;
	uint32_t extra_len; /* bytes at extra */
	void *extra;        /* heap data freed by the writer (big arrays) */
	union {
		struct ev_sockinfo sock; /* socket */
		struct {
			struct ev_sockinfo sock;
			struct ev_addr local, peer; /* family 0: not known */
			uint8_t listening;
		} found; /* forked_socket, ghost_socket */
		struct ev_addr addr;     /* bind, connect, getsockname, getpeername */
		struct {
			struct ev_addr addr;
			struct ev_sockinfo sock;
			int32_t flags;
		} accept;
		struct {
			int32_t how;
		} shutdown;
		struct {
			int32_t backlog;
		} listen;
		struct {
			int32_t level, optname;
			uint32_t optlen;
			uint8_t has_val; /* optval read (int-sized or struct below) */
			int64_t val, val2; /* int; timeval sec/usec; linger onoff/linger */
		} sockopt;
		struct {
			uint64_t bytes;
			int32_t flags;
			struct ev_addr addr; /* sendto/recvfrom */
		} io;
		struct {
			uint64_t bytes;
			int32_t flags;
			struct ev_msg msg;
		} msg; /* sendmsg, recvmsg, writev, readv */
		struct {
			uint64_t bytes; /* sum of the requested lengths */
			int32_t flags;
			uint32_t vlen;
			uint32_t done; /* messages transferred: entries in extra */
			struct ev_timeout timeout;
		} mmsg; /* entries in extra */
		struct {
			int32_t fdtype;
		} isfdtype;
		struct {
			int32_t newfd, flags;
			struct ev_sockinfo sock;
		} dup;
		struct {
			uint64_t request;
			int64_t arg; /* int argument when the request has one */
			uint8_t has_arg;
		} ioctl;
		struct {
			int32_t cmd;
			int64_t arg;
			struct ev_sockinfo sock; /* F_DUPFD* */
		} fcntl;
		struct {
			struct ev_timeout timeout;
			int32_t requested, returned; /* poll: POLL* bits; select: 1 read 2 write 4 except */
		} poll; /* poll, ppoll, select, pselect */
		struct {
			int32_t op, timeout;
			uint32_t events;
		} epoll;
		struct {
			char mode[8];
		} fdopen;
		struct tcp_info tcpi;
	} d;
};

#endif

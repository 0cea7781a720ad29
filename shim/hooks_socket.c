/* Hooks: creating, naming and configuring sockets. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "android_optional.h"
#include "addr.h"
#include "capture.h"
#include "options.h"
#include "ownfd.h"
#include "real.h"
#include "record.h"

/* A new fd from socket() or accept*(): a fresh record if it is an internet
 * socket. Returns it, or NULL (and the fd is marked as not traced). */
static struct sock *track_new_fd(int fd, const struct ev_sockinfo *info) {
	fd_fresh(fd, FD_UNKNOWN); /* ends a socket closed where we did not see it */
	if (!sock_is_inet_domain(info->domain)) {
		fdt_ignore(fd);
		return NULL;
	}
	struct sock *s = sock_new(info);
	if (!s) {
		fdt_ignore(fd);
		return NULL;
	}
	s->refs = 1;
	fdt_set(fd, s);
	return s;
}

EXPORT int socket(int domain, int type, int protocol) {
	int fd = REAL(socket)(domain, type, protocol);
	if (UNLIKELY(tstate_get()->adopt_fds)) return ownfd_adopt(fd); /* libpcap's, for the shim */
	if (fd < 0 || !tracing_active()) return fd;
	int err = errno;
	struct ev_sockinfo info;
	sock_info_from_args(&info, domain, type, protocol);
	struct sock *s = track_new_fd(fd, &info);
	if (s) record_socket_event(s, fd, &info);
	/* -c: the process's capture handle opens now, before any packet. */
	if (UNLIKELY(opt.capture) && s) capture_maybe_start(s, fd);
	errno = err;
	return fd;
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
	int ret = REAL(socketpair)(domain, type, protocol, sv);
	if (ret == 0 && tracing_active()) {
		/* Only AF_UNIX supports pairs on Linux: never traced. */
		fd_fresh(sv[0], FD_UNKNOWN);
		fd_fresh(sv[1], FD_UNKNOWN);
		fdt_ignore(sv[0]);
		fdt_ignore(sv[1]);
	}
	return ret;
}

static void record_addr_call(int type, int fd, int ret, int err, const struct sockaddr *addr, socklen_t len) {
	struct sock *s = traced(fd);
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	if (ret < 0 && err == EFAULT) addr = NULL; /* may not be readable */
	addr_from_sockaddr(&ev.d.addr, addr, len);
	record(s, fd, &ev);
	if (ret == 0 || (type == EV_CONNECT && err == EINPROGRESS)) capture_maybe_start(s, fd);
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
	int ret = REAL(bind)(fd, addr, len);
	int err = errno;
	record_addr_call(EV_BIND, fd, ret, err, addr, len);
	errno = err;
	return ret;
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len) {
	if (UNLIKELY(opt.capture)) { /* start before the handshake */
		int saved = errno;
		struct sock *cs = traced(fd);
		if (cs) capture_before_connect(cs, fd, addr, len);
		errno = saved;
	}
	int ret = REAL(connect)(fd, addr, len);
	int err = errno;
	record_addr_call(EV_CONNECT, fd, ret, err, addr, len);
	errno = err;
	return ret;
}

static int name_call(int type, int (*fn)(int, struct sockaddr *, socklen_t *), int fd, struct sockaddr *addr,
		     socklen_t *len) {
	int ret = fn(fd, addr, len);
	int err = errno;
	record_addr_call(type, fd, ret, err, ret == 0 ? addr : NULL, ret == 0 && len ? *len : 0);
	errno = err;
	return ret;
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
	return name_call(EV_GETSOCKNAME, &REAL(getsockname), fd, addr, len);
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
	return name_call(EV_GETPEERNAME, &REAL(getpeername), fd, addr, len);
}

EXPORT int shutdown(int fd, int how) {
	int ret = REAL(shutdown)(fd, how);
	int err = errno;
	struct sock *s = traced(fd);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_SHUTDOWN, ret, ret < 0, err);
		ev.d.shutdown.how = how;
		record(s, fd, &ev);
	}
	errno = err;
	return ret;
}

EXPORT int listen(int fd, int backlog) {
	int ret = REAL(listen)(fd, backlog);
	int err = errno;
	struct sock *s = traced(fd);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_LISTEN, ret, ret < 0, err);
		ev.d.listen.backlog = backlog;
		record(s, fd, &ev);
	}
	errno = err;
	return ret;
}

/* An accept is recorded on the listening socket (the call made on it), and
 * a successful one also starts the new socket's own file (its creation),
 * as the original tcpsnitch did. */
static void record_accept(int type, int lfd, int ret, int err, const struct sockaddr *addr, const socklen_t *len,
			  int flags) {
	struct sock *ls = traced(lfd);
	if (!ls) {
		/* The listener is not an internet socket (or not known yet):
		 * neither is the new fd (or classify it on use). */
		if (ret >= 0) fd_fresh(ret, fdt_peek(lfd) == FD_IGNORED ? FD_IGNORED : FD_UNKNOWN);
		return;
	}
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.accept.flags = flags;
	memset(&ev.d.accept.addr, 0, sizeof ev.d.accept.addr);
	if (ret >= 0 && addr && len) addr_from_sockaddr(&ev.d.accept.addr, addr, *len);
	struct ev_sockinfo info = ls->info;
	if (ret >= 0) {
		info.cloexec = (flags & SOCK_CLOEXEC) != 0;
		info.nonblock = (flags & SOCK_NONBLOCK) != 0;
	}
	ev.d.accept.sock = info;
	record(ls, lfd, &ev);
	if (ret < 0) return;
	struct sock *s = track_new_fd(ret, &info);
	if (!s) return;
	s->last_info_usec = ev.ts_usec;
	record(s, ret, &ev);
	capture_maybe_start(s, ret);
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len) {
	int ret = REAL(accept)(fd, addr, len);
	int err = errno;
	record_accept(EV_ACCEPT, fd, ret, err, addr, len, 0);
	errno = err;
	return ret;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
	int ret = REAL(accept4)(fd, addr, len, flags);
	int err = errno;
	record_accept(EV_ACCEPT4, fd, ret, err, addr, len, flags);
	errno = err;
	return ret;
}

/* Reads the option value the program passed or got, for the options whose
 * value is an int, a timeval or a linger. */
static void read_optval(struct event *ev, int level, int name, const void *val, socklen_t len, bool tv64) {
	ev->d.sockopt.has_val = 0;
	if (!val) return;
	if (tv64) { /* struct __kernel_sock_timeval: two 64-bit fields */
		if ((size_t)len < 2 * sizeof(int64_t)) return;
		int64_t f[2];
		memcpy(f, val, sizeof f);
		ev->d.sockopt.val = f[0];
		ev->d.sockopt.val2 = f[1];
		ev->d.sockopt.has_val = 1;
		return;
	}
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO) && (size_t)len >= sizeof(struct timeval)) {
		const struct timeval *tv = val;
		ev->d.sockopt.val = tv->tv_sec;
		ev->d.sockopt.val2 = tv->tv_usec;
	} else if (level == SOL_SOCKET && name == SO_LINGER && (size_t)len >= sizeof(struct linger)) {
		const struct linger *l = val;
		ev->d.sockopt.val = l->l_onoff;
		ev->d.sockopt.val2 = l->l_linger;
	} else if (len == sizeof(int)) {
		ev->d.sockopt.val = *(const int *)val;
	} else if (len == 1) {
		ev->d.sockopt.val = *(const unsigned char *)val;
	} else {
		return;
	}
	ev->d.sockopt.has_val = 1;
}

static void record_sockopt(int type, int fd, int ret, int err, int level, int name, const void *val, socklen_t len) {
	struct sock *s = traced(fd);
	if (!s) return;
	/* A program built with 64-bit time_t on a 32-bit target passes
	 * SO_RCVTIMEO_NEW where its source says SO_RCVTIMEO: recorded under the
	 * name the program wrote, its value read as the 64-bit pair it is. */
	bool tv64 = false;
#ifdef SO_RCVTIMEO_NEW
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW)) {
		name = name == SO_RCVTIMEO_NEW ? SO_RCVTIMEO_OLD : SO_SNDTIMEO_OLD;
		tv64 = true;
	}
#endif
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.sockopt.level = level;
	ev.d.sockopt.optname = name;
	ev.d.sockopt.optlen = len;
	if (ret == 0) read_optval(&ev, level, name, val, len, tv64);
	else ev.d.sockopt.has_val = 0;
	record(s, fd, &ev);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
	int ret = REAL(getsockopt)(fd, level, name, val, len);
	int err = errno;
	record_sockopt(EV_GETSOCKOPT, fd, ret, err, level, name, val, len && !(ret < 0 && err == EFAULT) ? *len : 0);
	errno = err;
	return ret;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
	int ret = REAL(setsockopt)(fd, level, name, val, len);
	int err = errno;
	record_sockopt(EV_SETSOCKOPT, fd, ret, err, level, name, val, len);
	errno = err;
	return ret;
}

#ifdef TCPSNITCH_TIME64
/* 32-bit programs with 64-bit time_t (time64.h). */
EXPORT int __getsockopt64(int fd, int level, int name, void *val, socklen_t *len) {
	int ret = REAL(__getsockopt64)(fd, level, name, val, len);
	int err = errno;
	record_sockopt(EV_GETSOCKOPT, fd, ret, err, level, name, val, len && !(ret < 0 && err == EFAULT) ? *len : 0);
	errno = err;
	return ret;
}

EXPORT int __setsockopt64(int fd, int level, int name, const void *val, socklen_t len) {
	int ret = REAL(__setsockopt64)(fd, level, name, val, len);
	int err = errno;
	record_sockopt(EV_SETSOCKOPT, fd, ret, err, level, name, val, len);
	errno = err;
	return ret;
}
#endif

static void record_simple(int type, int fd, int ret, int err) {
	struct sock *s = traced(fd);
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	record(s, fd, &ev);
}

EXPORT int sockatmark(int fd) {
	int ret = REAL_OR(sockatmark, fallback_sockatmark)(fd);
	int err = errno;
	record_simple(EV_SOCKATMARK, fd, ret, err);
	errno = err;
	return ret;
}

EXPORT int isfdtype(int fd, int fdtype) {
	int ret = REAL_OR(isfdtype, fallback_isfdtype)(fd, fdtype);
	int err = errno;
	struct sock *s = traced(fd);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_ISFDTYPE, ret, ret < 0, err);
		ev.d.isfdtype.fdtype = fdtype;
		record(s, fd, &ev);
	}
	errno = err;
	return ret;
}

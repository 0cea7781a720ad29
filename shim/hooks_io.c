/* Hooks: moving data (send/recv families, read/write, vectors, sendfile).
 * read() and write() run on every fd of the program: for a fd that is not
 * a traced socket they cost one array read after the real call. */
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <limits.h>

#include "android_optional.h"
#include "addr.h"
#include "capture.h"
#include "extra.h"
#include "options.h"
#include "real.h"
#include "record.h"

/* Called right after the real call, with its errno still in place: for an
 * fd that is not a traced socket, errno is not even read (traced() keeps
 * it). */
static void record_io_on(struct sock *s, int type, int fd, ssize_t ret, size_t bytes, int flags,
			 const struct sockaddr *addr, socklen_t addrlen) {
	int err = errno;
	if (ret < 0 && err == EFAULT) addr = NULL; /* may not be readable */
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.io.bytes = bytes;
	ev.d.io.flags = flags;
	addr_from_sockaddr(&ev.d.io.addr, addr, addrlen);
	record(s, fd, &ev);
	if (UNLIKELY(opt.capture) && type == EV_SENDTO && ret >= 0) capture_after_send(s, fd);
	errno = err;
}

static inline __attribute__((always_inline)) void record_io(int type, int fd, ssize_t ret, size_t bytes, int flags,
							    const struct sockaddr *addr, socklen_t addrlen) {
	struct sock *s = traced(fd);
	if (UNLIKELY(s != NULL)) record_io_on(s, type, fd, ret, bytes, flags, addr, addrlen);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags) {
	ssize_t ret = REAL(send)(fd, buf, len, flags);
	record_io(EV_SEND, fd, ret, len, flags, NULL, 0);
	return ret;
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags) {
	ssize_t ret = REAL(recv)(fd, buf, len, flags);
	record_io(EV_RECV, fd, ret, len, flags, NULL, 0);
	return ret;
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags) {
	ssize_t ret = REAL_OR(__recv_chk, fallback_recv_chk)(fd, buf, len, buflen, flags);
	record_io(EV_RECV, fd, ret, len, flags, NULL, 0);
	return ret;
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen) {
	ssize_t ret = REAL(sendto)(fd, buf, len, flags, addr, alen);
	record_io(EV_SENDTO, fd, ret, len, flags, addr, alen);
	return ret;
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *alen) {
	ssize_t ret = REAL(recvfrom)(fd, buf, len, flags, addr, alen);
	record_io(EV_RECVFROM, fd, ret, len, flags, ret >= 0 ? addr : NULL, ret >= 0 && alen ? *alen : 0);
	return ret;
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *addr,
			      socklen_t *alen) {
	ssize_t ret = REAL(__recvfrom_chk)(fd, buf, len, buflen, flags, addr, alen);
	record_io(EV_RECVFROM, fd, ret, len, flags, ret >= 0 ? addr : NULL, ret >= 0 && alen ? *alen : 0);
	return ret;
}

EXPORT ssize_t write(int fd, const void *buf, size_t len) {
	ssize_t ret = REAL_FD(write, fd)(fd, buf, len);
	record_io(EV_WRITE, fd, ret, len, 0, NULL, 0);
	return ret;
}

EXPORT ssize_t read(int fd, void *buf, size_t len) {
	ssize_t ret = REAL_FD(read, fd)(fd, buf, len);
	record_io(EV_READ, fd, ret, len, 0, NULL, 0);
	return ret;
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen) {
	ssize_t ret = REAL_FD(__read_chk, fd)(fd, buf, len, buflen);
	record_io(EV_READ, fd, ret, len, 0, NULL, 0);
	return ret;
}

/* Sizes of an iovec array into m (inline) and, past EV_IOV_INLINE, into a
 * heap copy of all of them in ev->extra. Returns the total length. */
static uint64_t fill_iov(struct event *ev, struct ev_msg *m, const struct iovec *iov, int cnt, bool may_alloc) {
	uint64_t total = 0;
	m->iovcnt = cnt; /* recorded as passed, -1 included */
	/* Past IOV_MAX the kernel refuses the call without reading the array:
	 * neither do we (it may be shorter than the count; see iovec_json). */
	uint32_t n = cnt > 0 && cnt <= IOV_MAX ? (uint32_t)cnt : 0;
	uint32_t *all = NULL;
	if (iov && m->iovcnt > EV_IOV_INLINE && may_alloc) {
		all = extra_alloc(m->iovcnt * sizeof *all);
		if (all) {
			ev->extra = all;
			ev->extra_len = m->iovcnt * (uint32_t)sizeof *all;
		}
	}
	for (uint32_t i = 0; iov && i < n; i++) {
		total += iov[i].iov_len;
		if (i < EV_IOV_INLINE) m->iov_sizes[i] = (uint32_t)iov[i].iov_len;
		if (all) all[i] = (uint32_t)iov[i].iov_len;
	}
	return total;
}

/* Everything of a msghdr but its payload. */
static uint64_t fill_msg(struct event *ev, struct ev_msg *m, const struct msghdr *msg, bool may_alloc) {
	memset(m, 0, sizeof *m);
	if (!msg) return 0;
	uint64_t total = fill_iov(ev, m, msg->msg_iov, (int)msg->msg_iovlen, may_alloc);
	m->controllen = (uint32_t)msg->msg_controllen;
	m->msg_flags = msg->msg_flags;
	if (msg->msg_control && msg->msg_controllen >= sizeof(struct cmsghdr)) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c && m->ncmsg < EV_CMSG_MAX;
		     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
			m->cmsg[m->ncmsg].level = c->cmsg_level;
			m->cmsg[m->ncmsg].type = c->cmsg_type;
			m->cmsg[m->ncmsg].len = (uint32_t)c->cmsg_len;
			m->ncmsg++;
		}
	}
	addr_from_sockaddr(&m->name, msg->msg_name, msg->msg_namelen);
	return total;
}

static void record_msg(int type, int fd, ssize_t ret, int err, const struct msghdr *msg, int flags) {
	struct sock *s = traced(fd);
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.msg.flags = flags;
	if (ret < 0 && err == EFAULT) msg = NULL; /* may not be readable */
	ev.d.msg.bytes = fill_msg(&ev, &ev.d.msg.msg, msg, tstate_may_alloc());
	record(s, fd, &ev);
	if (UNLIKELY(opt.capture) && type == EV_SENDMSG && ret >= 0) capture_after_send(s, fd);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
	ssize_t ret = REAL(sendmsg)(fd, msg, flags);
	int err = errno;
	record_msg(EV_SENDMSG, fd, ret, err, msg, flags);
	errno = err;
	return ret;
}

/* Descriptors received over a unix socket (SCM_RIGHTS) land on fresh
 * numbers: one that held a regular file may now hold a socket. Read on every
 * recvmsg, traced or not (the carrier is a unix socket, never traced): a
 * test of msg_controllen unless descriptors came. */
static void fresh_from_cmsg(const struct msghdr *msg) {
	if (LIKELY(!msg || !msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))) return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int rfd;
			memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof rfd);
			fd_fresh(rfd, FD_UNKNOWN);
		}
	}
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
	ssize_t ret = REAL(recvmsg)(fd, msg, flags);
	int err = errno;
	if (ret >= 0) fresh_from_cmsg(msg);
	record_msg(EV_RECVMSG, fd, ret, err, msg, flags);
	errno = err;
	return ret;
}

/* Sum of the lengths the program passed in a message's iovecs. */
static uint64_t msg_len(const struct msghdr *m) {
	uint64_t total = 0;
	for (size_t i = 0; m->msg_iov && i < (size_t)m->msg_iovlen; i++) total += m->msg_iov[i].iov_len;
	return total;
}

/* mmsghdr_vec holds the messages the call transferred (the first ret; none
 * when it failed): a program that polls recvmmsg(vlen=1024) on an empty
 * socket must not cost 1 024 entries per call. bytes is still what the
 * program asked for, over all vlen messages. */
static void record_mmsg(int type, int fd, int ret, int err, const struct mmsghdr *vec, unsigned vlen, int flags,
			const struct timespec *timeout) {
	struct sock *s = traced(fd);
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.mmsg.flags = flags;
	ev.d.mmsg.vlen = vlen;
	ev.d.mmsg.bytes = 0;
	ev.d.mmsg.timeout.set = timeout != NULL;
	if (timeout) {
		ev.d.mmsg.timeout.sec = timeout->tv_sec;
		ev.d.mmsg.timeout.nsec = timeout->tv_nsec;
	}
	if (ret < 0 && err == EFAULT) vec = NULL; /* the program's vector may not be readable */
	for (unsigned i = 0; vec && i < vlen; i++) ev.d.mmsg.bytes += msg_len(&vec[i].msg_hdr);
	unsigned n = ret > 0 && vec ? ((unsigned)ret < vlen ? (unsigned)ret : vlen) : 0;
	ev.d.mmsg.done = n;
	/* Not from a signal handler that interrupted us: malloc is not safe there. */
	struct ev_mmsg_entry *e = n && tstate_may_alloc() ? extra_alloc(n * sizeof *e) : NULL;
	for (unsigned i = 0; e && i < n; i++) {
		struct event scratch = {0};
		fill_msg(&scratch, &e[i].msg, &vec[i].msg_hdr, false);
		e[i].transmitted = vec[i].msg_len;
	}
	if (e) {
		ev.extra = e;
		ev.extra_len = n * (uint32_t)sizeof *e;
	}
	record(s, fd, &ev);
	if (UNLIKELY(opt.capture) && type == EV_SENDMMSG && ret > 0) capture_after_send(s, fd);
}

EXPORT int sendmmsg(int fd, MMSG_CONST struct mmsghdr *vec, unsigned int vlen, int flags) {
	int ret = REAL(sendmmsg)(fd, vec, vlen, flags);
	int err = errno;
	record_mmsg(EV_SENDMMSG, fd, ret, err, vec, vlen, flags, NULL);
	errno = err;
	return ret;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		    MMSG_TIMEOUT_CONST struct timespec *timeout) {
	/* The kernel rewrites *timeout with the time left: keep the request. */
	struct timespec asked = timeout ? *timeout : (struct timespec){0, 0};
	int ret = REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	int err = errno;
	for (int i = 0; vec && i < ret; i++) fresh_from_cmsg(&vec[i].msg_hdr);
	record_mmsg(EV_RECVMMSG, fd, ret, err, vec, vlen, flags, timeout ? &asked : NULL);
	errno = err;
	return ret;
}

/* syscall(SYS_sendmmsg / SYS_recvmmsg, …) through libc's syscall():
 * libuv sends and receives its datagrams that way (dig, Node.js's dgram),
 * so hooks_syscall.c hands the raw call's result here. The kernel's
 * timeout for SYS_recvmmsg is the native struct timespec. */
void tcpsnitch_raw_mmsg(int type, int fd, long ret, int err, struct mmsghdr *vec, unsigned vlen, int flags,
			const struct timespec *asked) {
	if (type == EV_RECVMMSG)
		for (long i = 0; vec && i < ret; i++) fresh_from_cmsg(&vec[i].msg_hdr);
	record_mmsg(type, fd, (int)ret, err, vec, vlen, flags, asked);
}

#ifdef TCPSNITCH_TIME64
/* 32-bit programs with 64-bit time_t (time64.h): the same calls; only
 * timestamps in control messages and recvmmsg's timeout differ. */
EXPORT ssize_t __sendmsg64(int fd, const struct msghdr *msg, int flags) {
	ssize_t ret = REAL(__sendmsg64)(fd, msg, flags);
	int err = errno;
	record_msg(EV_SENDMSG, fd, ret, err, msg, flags);
	errno = err;
	return ret;
}

EXPORT ssize_t __recvmsg64(int fd, struct msghdr *msg, int flags) {
	ssize_t ret = REAL(__recvmsg64)(fd, msg, flags);
	int err = errno;
	if (ret >= 0) fresh_from_cmsg(msg);
	record_msg(EV_RECVMSG, fd, ret, err, msg, flags);
	errno = err;
	return ret;
}

EXPORT int __sendmmsg64(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
	int ret = REAL(__sendmmsg64)(fd, vec, vlen, flags);
	int err = errno;
	record_mmsg(EV_SENDMMSG, fd, ret, err, vec, vlen, flags, NULL);
	errno = err;
	return ret;
}

EXPORT int __recvmmsg64(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, void *timeout) {
	const struct ts64 *t64 = timeout;
	/* The kernel rewrites *timeout with the time left: keep the request. */
	struct timespec asked = {t64 ? (time_t)t64->tv_sec : 0, t64 ? t64->tv_nsec : 0};
	int ret = REAL(__recvmmsg64)(fd, vec, vlen, flags, timeout);
	int err = errno;
	for (int i = 0; vec && i < ret; i++) fresh_from_cmsg(&vec[i].msg_hdr);
	record_mmsg(EV_RECVMMSG, fd, ret, err, vec, vlen, flags, t64 ? &asked : NULL);
	errno = err;
	return ret;
}
#endif

static void record_iov(int type, int fd, ssize_t ret, int err, const struct iovec *iov, int cnt) {
	struct sock *s = traced(fd);
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	memset(&ev.d.msg.msg, 0, sizeof ev.d.msg.msg);
	ev.d.msg.flags = 0;
	if (ret < 0 && err == EFAULT) iov = NULL; /* may not be readable */
	ev.d.msg.bytes = fill_iov(&ev, &ev.d.msg.msg, iov, cnt, tstate_may_alloc());
	record(s, fd, &ev);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
	ssize_t ret = REAL_FD(writev, fd)(fd, iov, cnt);
	int err = errno;
	record_iov(EV_WRITEV, fd, ret, err, iov, cnt);
	errno = err;
	return ret;
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
	ssize_t ret = REAL_FD(readv, fd)(fd, iov, cnt);
	int err = errno;
	record_iov(EV_READV, fd, ret, err, iov, cnt);
	errno = err;
	return ret;
}

/* sendfile writes to out_fd: that is the socket side. */
EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
	ssize_t ret = REAL(sendfile)(out_fd, in_fd, offset, count);
	record_io(EV_SENDFILE, out_fd, ret, count, 0, NULL, 0);
	return ret;
}

EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count) {
	ssize_t ret = REAL(sendfile64)(out_fd, in_fd, offset, count);
	record_io(EV_SENDFILE, out_fd, ret, count, 0, NULL, 0);
	return ret;
}

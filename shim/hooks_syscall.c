/* Hooks: libc's syscall() and prctl(). Some libraries close fds with a raw
 * syscall(SYS_close, fd) (libuv, hence Node.js, does, to avoid a
 * cancellation point): without this hook those sockets would never get
 * their close, and a file later opened on the same fd number would be
 * taken for the dead socket. libuv also sends and receives datagrams with
 * syscall(SYS_sendmmsg / SYS_recvmmsg, …) (dig's queries, Node.js's
 * dgram): those are recorded as sendmmsg / recvmmsg. System calls that
 * hand out an fd make its number fresh (fd_fresh). A seccomp filter the
 * program installs (through either) may kill it for the shim's own calls:
 * the shim is told (sock.h). Other system calls pass straight through. */
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "sock.h"

#include "real.h"
#include "record.h"

int tcpsnitch_close_hook(int fd, int (*real_close)(int, uint64_t), uint64_t tag);
void tcpsnitch_raw_mmsg(int type, int fd, long ret, int err, struct mmsghdr *vec, unsigned vlen, int flags,
			const struct timespec *asked);

static int raw_close(int fd, uint64_t tag) {
	(void)tag;
	return (int)REAL(syscall)(SYS_close, fd);
}

static bool returns_fd(long n) {
	switch (n) {
#ifdef SYS_open
	case SYS_open:
#endif
#ifdef SYS_creat
	case SYS_creat:
#endif
#ifdef SYS_openat2
	case SYS_openat2:
#endif
#ifdef SYS_pidfd_open
	case SYS_pidfd_open:
#endif
#ifdef SYS_pidfd_getfd
	case SYS_pidfd_getfd:
#endif
#ifdef SYS_memfd_create
	case SYS_memfd_create:
#endif
#ifdef SYS_userfaultfd
	case SYS_userfaultfd:
#endif
#ifdef SYS_dup
	case SYS_dup:
#endif
	case SYS_openat:
	case SYS_socket:
	case SYS_accept4:
	case SYS_eventfd2:
	case SYS_epoll_create1:
		return true;
	default:
		return false;
	}
}

EXPORT long syscall(long number, ...) {
	va_list ap;
	va_start(ap, number);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_close) return tcpsnitch_close_hook((int)a1, raw_close, 0);
#if defined(SYS_sendmmsg) && defined(SYS_recvmmsg)
	if (number == SYS_sendmmsg || number == SYS_recvmmsg) {
		bool send = number == SYS_sendmmsg;
		/* The kernel rewrites recvmmsg's timeout with the time left: keep the request. */
		const struct timespec *t = send ? NULL : (const struct timespec *)a5;
		struct timespec asked = t ? *t : (struct timespec){0, 0};
		call_mark(send ? RID_sendmmsg : RID_recvmmsg); /* the event's duration */
		long ret = REAL_MAYBE(syscall)(number, a1, a2, a3, a4, a5, a6);
		int err = errno;
		tcpsnitch_raw_mmsg(send ? EV_SENDMMSG : EV_RECVMMSG, (int)a1, ret, err, (struct mmsghdr *)a2,
				   (unsigned)a3, (int)a4, t ? &asked : NULL);
		errno = err;
		return ret;
	}
#endif
	long ret = REAL(syscall)(number, a1, a2, a3, a4, a5, a6);
	if (ret >= 0 && ((number == SYS_prctl && a1 == PR_SET_SECCOMP)
#ifdef SYS_seccomp
			 || (number == SYS_seccomp && (a1 == SECCOMP_SET_MODE_FILTER || a1 == SECCOMP_SET_MODE_STRICT))
#endif
				 ))
		sock_seccomp_installed();
	if (ret >= 0 && returns_fd(number)) {
		int err = errno;
		fd_fresh((int)ret, FD_UNKNOWN); /* pidfd_getfd may return anything */
		errno = err;
	}
	return ret;
}

EXPORT int prctl(int option, ...) {
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	int ret = REAL(prctl)(option, a2, a3, a4, a5);
	if (ret >= 0 && option == PR_SET_SECCOMP) sock_seccomp_installed();
	return ret;
}

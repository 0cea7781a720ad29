/* Hooks: the fd's life — close (and its range forms), dup*, fcntl, ioctl,
 * fdopen. They keep the fd table current. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "android_optional.h"
#include "capture.h"
#include "epoll_map.h"
#include "log.h"
#include "options.h"
#include "ownfd.h"
#include "real.h"
#include "record.h"
#include "sockstream.h"
#include "tcpinfo.h"
#include "tstate.h"

/* Before the real close of fd: takes its socket off the table (see
 * fdt_take) and drops one reference. Returns the socket or NULL;
 * *last says whether this was its last fd. */
static struct sock *close_begin(int fd, bool *last) {
	/* Its epoll registrations go with it (servers close without
	 * EPOLL_CTL_DEL); before the close, so a new fd on the number never
	 * loses its own. */
	epoll_map_forget_fd(fd);
	/* An fd never used since we know it may be an internet socket we did
	 * not see created: classify it so its close is not lost. */
	if (fdt_peek(fd) == FD_UNKNOWN) fdt_get(fd);
	uintptr_t v = fdt_take(fd);
	if (v <= FD_CLOSING) return NULL;
	struct sock *s = (struct sock *)v;
	*last = __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) <= 0;
	if (*last && (opt.tcpinfo_bytes || opt.tcpinfo_usec)) tcpinfo_sample(s, fd);
	return s;
}

/* No fd refers to s any more: the writer frees it once written. */
static void sock_ended(struct sock *s, int64_t when) {
	sock_mark_closed(s, when); /* no lock: a signal handler may close */
	capture_stop(s);
}

/* Tracing, without starting the shim: hooks that libraries call while they
 * initialise (an allocator opening /proc files) must not start it. Before
 * the shim is ready the table is empty: nothing to do. */
static inline bool live(void) {
	return __atomic_load_n(&tcpsnitch_state, __ATOMIC_ACQUIRE) == ST_READY && !tstate_get()->in_shim;
}

void fd_fresh(int fd, uintptr_t v) {
	if (fd < 0 || !live()) return;
	int saved = errno;
	epoll_map_forget_fd(fd);
	uintptr_t old = fdt_renew(fd, v);
	/* A socket still there was closed where no hook saw it (inside libc,
	 * or by a raw system call): it ends now, without a close event. */
	if (old > FD_CLOSING && __atomic_sub_fetch(&((struct sock *)old)->refs, 1, __ATOMIC_ACQ_REL) <= 0)
		sock_ended((struct sock *)old, now_usec());
	errno = saved;
}

/* After the real close: the close event, and the socket's end if it was
 * the last fd. implicit: closed as a side effect (dup2 over it, exit...). */
static void close_end(struct sock *s, int fd, int ret, int err, bool last) {
	if (s) {
		struct event ev;
		ev_init(&ev, EV_CLOSE, ret, ret < 0, err);
		record(s, fd, &ev);
		if (last) sock_ended(s, ev.ts_usec);
	}
	fdt_forget(fd);
}

/* Also the close of syscall(SYS_close, fd) (hooks_syscall.c). */
int tcpsnitch_close_hook(int fd, int (*real_close)(int, uint64_t), uint64_t tag);

int tcpsnitch_close_hook(int fd, int (*real_close)(int, uint64_t), uint64_t tag) {
	/* Announced before the look at the shim's numbers (ownfd.h). */
	int intent = UNLIKELY(ownfd_may_meet((unsigned)fd, (unsigned)fd)) && !tstate_get()->in_shim
			     ? ownfd_intent_begin((unsigned)fd, (unsigned)fd) : -1;
	int ret;
	if (UNLIKELY(ownfd_is(fd)) && ownfd_claims(fd, intent)) {
		ret = ownfd_hook_close(fd);
	} else if (!tracing_active()) {
		ret = real_close(fd, tag);
	} else {
		bool last = false;
		struct sock *s = close_begin(fd, &last);
		ret = real_close(fd, tag);
		int err = errno;
		close_end(s, fd, ret, err, last);
		errno = err;
	}
	ownfd_intent_end(intent);
	return ret;
}

static int plain_close(int fd, uint64_t tag) {
	(void)tag;
	return REAL(close)(fd);
}

EXPORT int close(int fd) { return tcpsnitch_close_hook(fd, plain_close, 0); }

#ifdef __ANDROID__
/* Java's FileDescriptor (and so every Java socket) closes through fdsan. */
static int fdsan_close(int fd, uint64_t tag) { return REAL_OR(android_fdsan_close_with_tag, fallback_fdsan_close_with_tag)(fd, tag); }

EXPORT int android_fdsan_close_with_tag(int fd, uint64_t tag) { return tcpsnitch_close_hook(fd, fdsan_close, tag); }
#endif

/* close_range / closefrom: every socket in the range gets its close. */
struct range_close {
	int fds[256];
	struct sock *socks[256];
	bool last[256];
	int n;
	bool more;
};

static void collect_range(int fd, struct sock *s, void *arg) {
	(void)s;
	struct range_close *r = arg;
	if (r->n == 256) {
		r->more = true;
		return;
	}
	r->fds[r->n++] = fd;
}

static int range_close(unsigned first, unsigned last, int (*do_close)(unsigned, unsigned, int), int flags) {
	struct range_close r;
	r.n = 0;
	r.more = false;
	fdt_foreach_sock(first, last, collect_range, &r);
	if (r.more) {
		/* Very many sockets: close those one by one first, in order, with
		 * the real close, then the range. */
		for (int i = 0; i < r.n; i++) {
			bool l = false;
			struct sock *s = close_begin(r.fds[i], &l);
			int ret = REAL(close)(r.fds[i]);
			close_end(s, r.fds[i], ret, errno, l);
		}
		return range_close(first, last, do_close, flags);
	}
	for (int i = 0; i < r.n; i++) r.socks[i] = close_begin(r.fds[i], &r.last[i]);
	int ret = do_close(first, last, flags);
	int err = errno;
	for (int i = 0; i < r.n; i++) {
		if (ret == 0) close_end(r.socks[i], r.fds[i], ret, err, r.last[i]);
		else if (r.socks[i]) { /* failed: nothing was closed */
			__atomic_add_fetch(&r.socks[i]->refs, 1, __ATOMIC_ACQ_REL);
			fdt_set(r.fds[i], r.socks[i]);
		}
	}
	/* Other fds in the range may be anything next time they appear. */
	errno = err;
	return ret;
}

static int real_close_range(unsigned first, unsigned last, int flags) {
	return REAL_OR(close_range, fallback_close_range)(first, last, flags);
}

static int real_closefrom(unsigned first, unsigned last, int flags) {
	(void)last, (void)flags;
	REAL_OR(closefrom, fallback_closefrom)((int)first);
	return 0;
}

static int close_range_part(unsigned int first, unsigned int last, int flags) {
	if (!tracing_active() || (flags & 4 /* CLOSE_RANGE_CLOEXEC */))
		return REAL_OR(close_range, fallback_close_range)(first, last, flags);
	int ret = range_close(first, last, real_close_range, flags);
	if (ret == 0) {
		fdt_forget_range(first, last);
		epoll_map_forget_range(first, last);
	}
	return ret;
}

static void closefrom_part(int lowfd) {
	if (!tracing_active() || lowfd < 0) {
		REAL_OR(closefrom, fallback_closefrom)(lowfd);
		return;
	}
	int err = errno;
	range_close((unsigned)lowfd, ~0u, real_closefrom, 0);
	fdt_forget_range((unsigned)lowfd, ~0u);
	epoll_map_forget_range((unsigned)lowfd, ~0u);
	errno = err;
}

/* The parts of a range around the shim's own fds (ownfd.h). */
static int close_range_piece(unsigned lo, unsigned hi, void *flags) { return close_range_part(lo, hi, *(int *)flags); }

static int closefrom_piece(unsigned lo, unsigned hi, void *arg) {
	(void)arg;
	if (hi == ~0u) {
		closefrom_part((int)lo);
	} else { /* close_range, or what the platform does without it */
		int err = errno;
		close_range_part(lo, hi, 0);
		errno = err;
	}
	return 0;
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
	if (UNLIKELY(ownfd_may_meet(first, last)) && !tstate_get()->in_shim && first <= last) {
		int intent = ownfd_intent_begin(first, last);
		int ret = ownfd_split_range(first, last, close_range_piece, &flags);
		ownfd_intent_end(intent);
		return ret;
	}
	return close_range_part(first, last, flags);
}

EXPORT void closefrom(int lowfd) {
	if (UNLIKELY(ownfd_may_meet((unsigned)lowfd, ~0u)) && !tstate_get()->in_shim && lowfd >= 0) {
		int intent = ownfd_intent_begin((unsigned)lowfd, ~0u);
		ownfd_split_range((unsigned)lowfd, ~0u, closefrom_piece, NULL);
		ownfd_intent_end(intent);
		return;
	}
	closefrom_part(lowfd);
}

/* ---- what the shim cannot see ---- */

/* stdio reads and writes on a socket go through libc's internal calls,
 * which no hook sees (docs/shim.md, "What the shim cannot see"): on the
 * standard streams, and on bionic after fdopen (glibc's fdopen streams are
 * the shim's: sockstream.h). Said once per process and kind, as a
 * warning: the CLI prints it after the run, so a trace that lacks those
 * bytes is not taken for complete (bash's printf >&3 after
 * exec 3<>/dev/tcp/... writes through stdout). */
enum { STDIO_FDOPEN, STDIO_STDFD };
static int stdio_warned[2];

static void warn_stdio(int kind) {
	if (tstate_in_handler() || __atomic_exchange_n(&stdio_warned[kind], 1, __ATOMIC_RELAXED)) return;
	int err = errno;
	if (kind == STDIO_FDOPEN)
		slog(LOG_WARN, "the program wrapped an internet socket in a stdio stream (fdopen): what it reads or writes "
			       "through that stream (fread, fgets, fprintf, ...) goes through libc's internal calls and is not in the trace");
	else
		slog(LOG_WARN, "the program made an internet socket its standard input or output (fd 0, 1 or 2): what it "
			       "reads or writes there through stdio (printf, puts, fgets, ...) goes through libc's internal calls "
			       "and is not in the trace");
	errno = err;
}

/* ---- dup family ---- */

/* newfd now refers to what oldfd refers to. */
static void copy_entry(int oldfd, int newfd, struct sock *s) {
	/* Whatever the number held before is gone (a socket closed where no
	 * hook saw it ends here). */
	fd_fresh(newfd, FD_UNKNOWN);
	if (s) {
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
		fdt_set(newfd, s);
	} else if (fdt_peek(oldfd) == FD_IGNORED) {
		fdt_ignore(newfd);
	}
}

static void record_dup(int type, struct sock *s, int oldfd, int ret, int err, int newfd, int flags) {
	if (!s) return;
	struct event ev;
	ev_init(&ev, type, ret, ret < 0, err);
	ev.d.dup.newfd = ret >= 0 ? ret : newfd;
	ev.d.dup.flags = flags;
	ev.d.dup.sock = s->info;
	record(s, oldfd, &ev);
}

EXPORT int dup(int fd) {
	int ret = REAL(dup)(fd);
	int err = errno;
	if (!tracing_active()) return ret;
	struct sock *s = traced(fd);
	if (ret >= 0) copy_entry(fd, ret, s);
	record_dup(EV_DUP, s, fd, ret, err, -1, 0);
	if (s && ret >= 0 && ret <= 2) warn_stdio(STDIO_STDFD);
	errno = err;
	return ret;
}

/* The real dup2/dup3. The kernel answers EBUSY while another thread is
 * putting a new file on newfd: at the shim's numbers, that is the shim
 * opening a trace file there, which the program must not see. Tried again:
 * the call's intent (ownfd.h) makes the shim's file give way. */
static int real_dup_onto(int type, int oldfd, int newfd, int flags) {
	for (int round = 0;; round++) {
		int ret = type == EV_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
		if (ret >= 0 || errno != EBUSY || round >= 1000 || !ownfd_may_meet((unsigned)newfd, (unsigned)newfd)) return ret;
		sched_yield();
	}
}

/* dup2/dup3 close newfd first when it is open: a socket there gets its
 * close, taken before the call so a racing socket() cannot get it. */
static int dup_onto_traced(int type, int oldfd, int newfd, int flags) {
	if (!tracing_active()) return real_dup_onto(type, oldfd, newfd, flags);
	struct sock *s = traced(oldfd);
	if (oldfd == newfd) { /* dup2: nothing happens; dup3: EINVAL */
		int ret = type == EV_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
		int err = errno;
		record_dup(type, s, oldfd, ret, err, newfd, flags);
		errno = err;
		return ret;
	}
	bool last = false;
	struct sock *victim = close_begin(newfd, &last);
	int ret = real_dup_onto(type, oldfd, newfd, flags);
	int err = errno;
	if (ret >= 0) {
		close_end(victim, newfd, 0, 0, last);
		copy_entry(oldfd, newfd, s);
	} else if (victim) { /* failed: newfd untouched */
		__atomic_add_fetch(&victim->refs, 1, __ATOMIC_ACQ_REL);
		fdt_set(newfd, victim);
	} else {
		fdt_forget(newfd);
	}
	record_dup(type, s, oldfd, ret, err, newfd, flags);
	if (s && ret >= 0 && newfd <= 2) warn_stdio(STDIO_STDFD);
	errno = err;
	return ret;
}

/* A dup2 onto one of the shim's numbers takes it from the shim (ownfd.h):
 * a trace file moves away first, leaving a spare copy on newfd that the
 * call replaces (or that is closed if the call fails). */
static int dup_onto(int type, int oldfd, int newfd, int flags) {
	if (LIKELY(!ownfd_may_meet((unsigned)newfd, (unsigned)newfd)) || tstate_get()->in_shim || oldfd == newfd)
		return dup_onto_traced(type, oldfd, newfd, flags);
	int intent = ownfd_intent_begin((unsigned)newfd, (unsigned)newfd);
	bool spare = ownfd_yield(newfd);
	int ret = dup_onto_traced(type, oldfd, newfd, flags);
	int err = errno;
	if (ret < 0 && spare) REAL(close)(newfd);
	ownfd_intent_end(intent);
	errno = err;
	return ret;
}

EXPORT int dup2(int oldfd, int newfd) { return dup_onto(EV_DUP2, oldfd, newfd, 0); }

EXPORT int dup3(int oldfd, int newfd, int flags) { return dup_onto(EV_DUP3, oldfd, newfd, flags); }

/* ---- fcntl, ioctl, fdopen ---- */

static int traced_fcntl(int (*real)(int, int, ...), int fd, int cmd, long arg) {
	call_mark(RID_fcntl); /* real is not reached through REAL() */
	int ret = real(fd, cmd, arg);
	int err = errno;
	if (!tracing_active()) return ret;
	struct sock *s = traced(fd);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && ret >= 0) copy_entry(fd, ret, s);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_FCNTL, ret, ret < 0, err);
		ev.d.fcntl.cmd = cmd;
		ev.d.fcntl.arg = arg;
		ev.d.fcntl.sock = s->info;
		record(s, fd, &ev);
	}
	errno = err;
	return ret;
}

/* The third argument is an int, a long or a pointer depending on cmd; on
 * every ABI we build for, a long can carry each of them unchanged. */
EXPORT int fcntl(int fd, int cmd, ...) {
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return traced_fcntl(REAL_MAYBE(fcntl), fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...) {
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return traced_fcntl(REAL_MAYBE(fcntl64), fd, cmd, arg);
}

static int traced_ioctl(int (*real)(int, IOCTL_REQUEST_T, ...), int fd, IOCTL_REQUEST_T request, void *arg) {
	int ret = real(fd, request, arg);
	int err = errno;
	struct sock *s = traced(fd);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_IOCTL, ret, ret < 0, err);
		ev.d.ioctl.request = (unsigned long)request;
		ev.d.ioctl.has_arg = 0;
		unsigned long r = (unsigned long)request;
		if (ret >= 0 && arg && (r == FIONREAD || r == FIONBIO || r == SIOCOUTQ || r == SIOCATMARK)) {
			ev.d.ioctl.arg = *(int *)arg;
			ev.d.ioctl.has_arg = 1;
		}
		record(s, fd, &ev);
	}
	errno = err;
	return ret;
}

EXPORT int ioctl(int fd, IOCTL_REQUEST_T request, ...) {
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return traced_ioctl(&REAL(ioctl), fd, request, arg);
}

#ifdef TCPSNITCH_TIME64
/* 32-bit programs with 64-bit time_t (time64.h). */
EXPORT int __fcntl_time64(int fd, int cmd, ...) {
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return traced_fcntl(real_fns.__fcntl_time64 ? real_fns.__fcntl_time64 : (real_init(), real_fns.__fcntl_time64),
			    fd, cmd, arg);
}

EXPORT int __ioctl_time64(int fd, unsigned long request, ...) {
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return traced_ioctl(&REAL(__ioctl_time64), fd, request, arg);
}
#endif

/* fclose closes the FILE's fd inside libc, where no close hook runs: without
 * this the number would keep its socket, and the next file opened on it
 * would have its calls recorded in the dead socket's trace. */
static int real_fclose(int fd, uint64_t f) {
	(void)fd;
	return REAL(fclose)((FILE *)(uintptr_t)f);
}

EXPORT int fclose(FILE *f) {
	if (!f || !live()) return REAL(fclose)(f);
	int saved = errno;
	int fd = fileno(f); /* -1 for a stream with no fd (fmemopen) */
	errno = saved;
	if (fd < 0) return REAL(fclose)(f);
	int flush_errno = 0;
	bool flushed = sockstream_before_fclose(f, &flush_errno);
	int ret = tcpsnitch_close_hook(fd, real_fclose, (uint64_t)(uintptr_t)f);
	if (!flushed && ret == 0) { /* fclose fails when its flush does */
		errno = flush_errno;
		ret = EOF;
	}
	return ret;
}

/* A traced socket's stream reads and writes through the hooks where libc
 * allows it (sockstream.h). */
EXPORT FILE *fdopen(int fd, const char *mode) {
	struct sock *s = live() ? traced(fd) : NULL;
	FILE *f;
	if (s && sockstream_supported()) {
		call_mark(RID_fdopen); /* its duration: from here */
		f = sockstream_open(fd, mode);
	} else {
		f = REAL(fdopen)(fd, mode);
	}
	int err = errno;
	if (s) {
		struct event ev;
		ev_init(&ev, EV_FDOPEN, f != NULL, !f, err); /* 1/0, as the original */
		snprintf(ev.d.fdopen.mode, sizeof ev.d.fdopen.mode, "%s", mode ? mode : "");
		record(s, fd, &ev);
		if (f && !sockstream_supported()) warn_stdio(STDIO_FDOPEN);
	}
	errno = err;
	return f;
}

/* -v: one strace-like line per event, as it happens:
 *
 *   [pid 4242] 12:00:01.123456 connect(3, 127.0.0.1:80) = -1 ECONNREFUSED (Connection refused)
 *
 * "pid" is the thread id (as strace -f shows it), the timestamp is there
 * with the verbose_time option (1 wall clock like strace -tt, 2 seconds
 * since the previous line of the process like strace -r), and the
 * arguments are the ones that tell what the call did. TCP_INFO samples and
 * the pseudo events are not calls: they read like strace's signal lines,
 * "--- tcp_info 3: ... ---". Lines go to stderr, or to verbose_file (-o),
 * opened per line so that no fd of the shim lives in the program. */
#include "verbose.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "options.h"
#include "real.h"
#include "sandbox.h"
#include "tstate.h"

/* A bounded string builder: never overflows, truncates silently. */
struct line {
	char b[640];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...) {
	if (l->n >= sizeof l->b - 1) return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
	va_end(ap);
	if (k > 0) l->n += (size_t)k;
	if (l->n > sizeof l->b - 1) l->n = sizeof l->b - 1;
}

struct flag {
	long bit;
	const char *name;
};
#define FL(c) {c, #c}

/* "A|B", or "0" when no bit is set; unknown bits in hex at the end. */
static void put_flags(struct line *l, const struct flag *t, size_t n, long v) {
	if (!v) {
		put(l, "0");
		return;
	}
	const char *sep = "";
	for (size_t i = 0; i < n; i++)
		if (t[i].bit && (v & t[i].bit) == t[i].bit) {
			put(l, "%s%s", sep, t[i].name);
			sep = "|";
			v &= ~t[i].bit;
		}
	if (v) put(l, "%s%#lx", sep, (unsigned long)v);
}
#define PUT_FLAGS(l, t, v) put_flags(l, t, ARRAY_LEN(t), (long)(v))

static const struct flag msg_flags[] = {
    FL(MSG_OOB), FL(MSG_PEEK), FL(MSG_DONTROUTE), FL(MSG_CTRUNC), FL(MSG_TRUNC), FL(MSG_DONTWAIT),
    FL(MSG_EOR), FL(MSG_WAITALL), FL(MSG_CONFIRM), FL(MSG_ERRQUEUE), FL(MSG_NOSIGNAL), FL(MSG_MORE),
    FL(MSG_CMSG_CLOEXEC)};
static const struct flag poll_flags[] = {FL(POLLIN), FL(POLLPRI), FL(POLLOUT), FL(POLLRDHUP),
					 FL(POLLERR), FL(POLLHUP), FL(POLLNVAL), FL(POLLRDNORM),
					 FL(POLLRDBAND), FL(POLLWRNORM), FL(POLLWRBAND)};
static const struct flag select_flags[] = {{1, "READ"}, {2, "WRITE"}, {4, "EXCEPT"}};
static const struct flag epoll_flags[] = {FL(EPOLLIN), FL(EPOLLOUT), FL(EPOLLRDHUP), FL(EPOLLPRI),
					  FL(EPOLLERR), FL(EPOLLHUP), FL(EPOLLET), FL(EPOLLONESHOT),
					  FL(EPOLLWAKEUP), FL(EPOLLEXCLUSIVE)};
static const struct flag fl_flags[] = {FL(O_WRONLY), FL(O_RDWR), FL(O_APPEND), FL(O_ASYNC), FL(O_NONBLOCK)};
static const struct flag cloexec_flags[] = {FL(O_CLOEXEC)};
static const struct flag fd_flags[] = {FL(FD_CLOEXEC)};

static void put_addr(struct line *l, const struct ev_addr *a) {
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family != AF_INET && a->family != AF_INET6) {
		put(l, "NULL");
		return;
	}
	inet_ntop(a->family, a->ip, ip, sizeof ip);
	if (a->family == AF_INET6) put(l, "[%s]:%u", ip, a->port);
	else put(l, "%s:%u", ip, a->port);
}

static void put_sock(struct line *l, const struct ev_sockinfo *s) {
	char b1[24], b2[24];
	put(l, "%s, %s", domain_name(s->domain, b1, sizeof b1), socktype_name(s->type, b2, sizeof b2));
	if (s->nonblock) put(l, "|SOCK_NONBLOCK");
	if (s->cloexec) put(l, "|SOCK_CLOEXEC");
	switch (s->protocol) {
	case IPPROTO_IP: put(l, ", IPPROTO_IP"); break;
	case IPPROTO_TCP: put(l, ", IPPROTO_TCP"); break;
	case IPPROTO_UDP: put(l, ", IPPROTO_UDP"); break;
	case IPPROTO_ICMP: put(l, ", IPPROTO_ICMP"); break;
	case IPPROTO_ICMPV6: put(l, ", IPPROTO_ICMPV6"); break;
	default: put(l, ", %d", s->protocol); break;
	}
}

static void put_timeout(struct line *l, const struct ev_timeout *t, bool ms) {
	if (!t->set) put(l, ms ? "-1" : "NULL");
	else if (ms) put(l, "%lld", (long long)(t->sec * 1000 + t->nsec / 1000000));
	else put(l, "{%lld.%06llds}", (long long)t->sec, (long long)(t->nsec / 1000));
}

static void put_fcntl(struct line *l, const struct event *ev) {
	char buf[24];
	int cmd = ev->d.fcntl.cmd;
	long arg = (long)ev->d.fcntl.arg;
	put(l, ", %s", fcntl_cmd_name(cmd, buf, sizeof buf));
	switch (cmd) {
	case F_SETFL:
		put(l, ", ");
		if (!(arg & O_ACCMODE)) put(l, "O_RDONLY%s", arg ? "|" : "");
		if (arg) PUT_FLAGS(l, fl_flags, arg);
		break;
	case F_SETFD:
		put(l, ", ");
		PUT_FLAGS(l, fd_flags, arg);
		break;
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETOWN: case F_SETSIG: case F_SETPIPE_SZ: case F_SETLEASE:
		put(l, ", %ld", arg);
		break;
	default:
		break;
	}
}

/* The arguments after the fd, each starting with ", ". */
static void put_args(struct line *l, const struct event *ev) {
	char b1[24], b2[24];
	switch (ev->type) {
	case EV_BIND: case EV_CONNECT: case EV_GETSOCKNAME: case EV_GETPEERNAME:
		put(l, ", ");
		put_addr(l, &ev->d.addr);
		break;
	case EV_ACCEPT: case EV_ACCEPT4:
		put(l, ", ");
		put_addr(l, &ev->d.accept.addr);
		if (ev->type == EV_ACCEPT4) {
			put(l, ", ");
			PUT_FLAGS(l, ((const struct flag[]){FL(SOCK_NONBLOCK), FL(SOCK_CLOEXEC)}), ev->d.accept.flags);
		}
		break;
	case EV_SHUTDOWN:
		put(l, ", %s", ev->d.shutdown.how == SHUT_RD ? "SHUT_RD" : ev->d.shutdown.how == SHUT_WR ? "SHUT_WR"
			       : ev->d.shutdown.how == SHUT_RDWR ? "SHUT_RDWR" : "?");
		break;
	case EV_LISTEN:
		put(l, ", %d", ev->d.listen.backlog);
		break;
	case EV_GETSOCKOPT: case EV_SETSOCKOPT:
		put(l, ", %s, %s", sockopt_level_name(ev->d.sockopt.level, b1, sizeof b1),
		    sockopt_name(ev->d.sockopt.level, ev->d.sockopt.optname, b2, sizeof b2));
		if (ev->d.sockopt.has_val) put(l, ", [%lld]", (long long)ev->d.sockopt.val);
		put(l, ", %u", ev->d.sockopt.optlen);
		break;
	case EV_SEND: case EV_RECV: case EV_SENDTO: case EV_RECVFROM:
		put(l, ", %llu, ", (unsigned long long)ev->d.io.bytes);
		PUT_FLAGS(l, msg_flags, ev->d.io.flags);
		if (ev->type == EV_SENDTO || ev->type == EV_RECVFROM) {
			put(l, ", ");
			put_addr(l, &ev->d.io.addr);
		}
		break;
	case EV_WRITE: case EV_READ: case EV_SENDFILE:
		put(l, ", %llu", (unsigned long long)ev->d.io.bytes);
		break;
	case EV_SENDMSG: case EV_RECVMSG:
		put(l, ", {iovcnt=%u, %llu bytes", ev->d.msg.msg.iovcnt, (unsigned long long)ev->d.msg.bytes);
		if (ev->d.msg.msg.name.family) {
			put(l, ", name=");
			put_addr(l, &ev->d.msg.msg.name);
		}
		if (ev->d.msg.msg.controllen) put(l, ", controllen=%u", ev->d.msg.msg.controllen);
		put(l, "}, ");
		PUT_FLAGS(l, msg_flags, ev->d.msg.flags);
		break;
	case EV_WRITEV: case EV_READV:
		put(l, ", iovcnt=%u, %llu", ev->d.msg.msg.iovcnt, (unsigned long long)ev->d.msg.bytes);
		break;
	case EV_SENDMMSG: case EV_RECVMMSG:
		put(l, ", vlen=%u, %llu, ", ev->d.mmsg.vlen, (unsigned long long)ev->d.mmsg.bytes);
		PUT_FLAGS(l, msg_flags, ev->d.mmsg.flags);
		break;
	case EV_DUP2: case EV_DUP3:
		put(l, ", %d", ev->d.dup.newfd);
		if (ev->type == EV_DUP3) {
			put(l, ", ");
			PUT_FLAGS(l, cloexec_flags, ev->d.dup.flags);
		}
		break;
	case EV_IOCTL:
		put(l, ", %s", ioctl_name((unsigned long)ev->d.ioctl.request, b1, sizeof b1));
		if (ev->d.ioctl.has_arg) put(l, ", [%lld]", (long long)ev->d.ioctl.arg);
		break;
	case EV_POLL: case EV_PPOLL:
		put(l, ", ");
		PUT_FLAGS(l, poll_flags, ev->d.poll.requested);
		put(l, ", ");
		put_timeout(l, &ev->d.poll.timeout, ev->type == EV_POLL);
		break;
	case EV_SELECT: case EV_PSELECT:
		put(l, ", ");
		PUT_FLAGS(l, select_flags, ev->d.poll.requested);
		put(l, ", ");
		put_timeout(l, &ev->d.poll.timeout, false);
		break;
	case EV_FCNTL:
		put_fcntl(l, ev);
		break;
	case EV_EPOLL_CTL:
		put(l, ", %s, ", epoll_op_name(ev->d.epoll.op, b1, sizeof b1));
		PUT_FLAGS(l, epoll_flags, ev->d.epoll.events);
		break;
	case EV_EPOLL_WAIT: case EV_EPOLL_PWAIT:
		put(l, ", %d", ev->d.epoll.timeout);
		break;
	case EV_FDOPEN:
		put(l, ", \"%s\"", ev->d.fdopen.mode);
		break;
	case EV_ISFDTYPE:
		put(l, ", %d", ev->d.isfdtype.fdtype);
		break;
	default:
		break;
	}
}

/* What the call returned: errors as strace writes them, and for the
 * readiness calls the events that were reported. */
static void put_result(struct line *l, const struct event *ev) {
	char b[24];
	put(l, " = %lld", (long long)ev->ret);
	if (ev->err) {
		char desc[128] = "";
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
		const char *d = strerror_r(ev->err, desc, sizeof desc);
		if (d != desc) snprintf(desc, sizeof desc, "%s", d);
#else
		strerror_r(ev->err, desc, sizeof desc);
#endif
		put(l, " %s (%s)", errno_name(ev->err, b, sizeof b), desc);
		return;
	}
	switch (ev->type) {
	case EV_POLL: case EV_PPOLL:
		if (ev->d.poll.returned) {
			put(l, " (");
			PUT_FLAGS(l, poll_flags, ev->d.poll.returned);
			put(l, ")");
		}
		break;
	case EV_SELECT: case EV_PSELECT:
		if (ev->d.poll.returned) {
			put(l, " (");
			PUT_FLAGS(l, select_flags, ev->d.poll.returned);
			put(l, ")");
		}
		break;
	case EV_EPOLL_WAIT: case EV_EPOLL_PWAIT:
		put(l, " (");
		PUT_FLAGS(l, epoll_flags, ev->d.epoll.events);
		put(l, ")");
		break;
	case EV_FCNTL:
		if (ev->d.fcntl.cmd == F_GETFL) {
			put(l, " (");
			if (!(ev->ret & O_ACCMODE)) put(l, "O_RDONLY%s", ev->ret & ~O_ACCMODE ? "|" : "");
			if (ev->ret) PUT_FLAGS(l, fl_flags, ev->ret);
			put(l, ")");
		} else if (ev->d.fcntl.cmd == F_GETFD && ev->ret) {
			put(l, " (");
			PUT_FLAGS(l, fd_flags, ev->ret);
			put(l, ")");
		}
		break;
	default:
		break;
	}
}

static const char *const tcp_states[] = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
					 "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

static void put_tcp_info(struct line *l, int fd, const struct tcp_info *t) {
	unsigned st = t->tcpi_state < ARRAY_LEN(tcp_states) ? t->tcpi_state : 0;
	put(l, "--- tcp_info %d: state=%s rtt=%uus rttvar=%uus snd_cwnd=%u unacked=%u retrans=%u total_retrans=%u ---",
	    fd, tcp_states[st], t->tcpi_rtt, t->tcpi_rttvar, t->tcpi_snd_cwnd, t->tcpi_unacked, t->tcpi_retrans,
	    t->tcpi_total_retrans);
}

static int64_t last_usec; /* relative: the previous line's time in this process */
static pid_t last_pid;    /* whose last_usec it is (a fork child starts afresh) */

static void put_time(struct line *l, int64_t usec) {
	if (opt.verbose_time == 1) {
		time_t sec = (time_t)(usec / 1000000) + opt.verbose_utc_offset;
		int s = (int)(sec % 86400);
		put(l, "%02d:%02d:%02d.%06lld ", s / 3600, s / 60 % 60, s % 60, (long long)(usec % 1000000));
	} else if (opt.verbose_time == 2) {
		pid_t pid = getpid();
		if (__atomic_exchange_n(&last_pid, pid, __ATOMIC_RELAXED) != pid) __atomic_store_n(&last_usec, 0, __ATOMIC_RELAXED);
		int64_t prev = __atomic_exchange_n(&last_usec, usec, __ATOMIC_RELAXED);
		int64_t d = prev && usec > prev ? usec - prev : 0;
		put(l, "%6lld.%06lld ", (long long)(d / 1000000), (long long)(d % 1000000));
	}
}

static void emit(const char *p, size_t n) {
	if (sandbox_files_limited()) return; /* stderr may be a file: SIGXFSZ */
	if (!opt.verbose_file[0]) {
		if (sandbox_write_fits(2, n)) (void)!REAL(write)(2, p, n);
		return;
	}
	int fd = open(opt.verbose_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) return;
	if (sandbox_write_fits(fd, n)) (void)!REAL(write)(fd, p, n);
	REAL(close)(fd);
}

void verbose_print(int fd, const struct event *ev) {
	int saved = errno;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim;
	ts->in_shim = 1;
	struct line l = {.n = 0};
	put(&l, "[pid %d] ", (int)ev->tid);
	put_time(&l, ev->ts_usec);
	switch (ev->type) {
	case EV_TCP_INFO:
		put_tcp_info(&l, fd, &ev->d.tcpi);
		break;
	case EV_FORKED_SOCKET: case EV_GHOST_SOCKET:
		put(&l, "--- %s %d: ", event_names[ev->type], fd);
		put_sock(&l, &ev->d.found.sock);
		put(&l, " ---");
		break;
	case EV_SOCKET:
		put(&l, "socket(");
		put_sock(&l, &ev->d.sock);
		put(&l, ")");
		put_result(&l, ev);
		break;
	default:
		put(&l, "%s(%d", event_names[ev->type], fd);
		put_args(&l, ev);
		put(&l, ")");
		put_result(&l, ev);
		break;
	}
	if (l.n > sizeof l.b - 2) l.n = sizeof l.b - 2;
	l.b[l.n++] = '\n';
	emit(l.b, l.n);
	ts->in_shim = was;
	errno = saved;
}

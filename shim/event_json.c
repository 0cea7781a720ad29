#include "event_json.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "json_writer.h"
#include "names.h"

const char *const event_names[EV__COUNT] = {
#define X(id, name) [EV_##id] = name,
    EVENT_TYPES(X)
#undef X
};

bool event_moves_bytes(int type) {
	switch (type) {
	case EV_SEND: case EV_RECV: case EV_SENDTO: case EV_RECVFROM: case EV_SENDMSG:
	case EV_RECVMSG: case EV_SENDMMSG: case EV_RECVMMSG: case EV_WRITE: case EV_READ:
	case EV_WRITEV: case EV_READV: case EV_SENDFILE:
		return true;
	default:
		return false;
	}
}

/* Dotted quad, as inet_ntop writes it (which goes through sprintf). */
static void ipv4_text(const uint8_t ip[4], char out[16]) {
	char *p = out;
	for (int i = 0; i < 4; i++) {
		unsigned b = ip[i];
		if (b >= 100) *p++ = (char)('0' + b / 100);
		if (b >= 10) *p++ = (char)('0' + b / 10 % 10);
		*p++ = (char)('0' + b % 10);
		*p++ = i < 3 ? '.' : 0;
	}
}

static void addr_json(struct jw *w, const char *key, const struct ev_addr *a) {
	char buf[16], ip[INET6_ADDRSTRLEN] = "";
	jw_obj_begin(w, key);
	jw_name(w, "sa_family", domain_name(a->family, buf, sizeof buf));
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (a->family == AF_INET) ipv4_text(a->ip, ip);
		else inet_ntop(a->family, a->ip, ip, sizeof ip);
		jw_name(w, "ip", ip);
		char *p = buf + sizeof buf;
		unsigned port = a->port;
		*--p = 0;
		do *--p = (char)('0' + port % 10); while (port /= 10);
		jw_name(w, "port", p); /* a string, as in the original */
	}
	jw_obj_end(w);
}

static void sockinfo_json(struct jw *w, const struct ev_sockinfo *s) {
	char buf[16];
	jw_obj_begin(w, "sock_info");
	jw_name(w, "domain", domain_name(s->domain, buf, sizeof buf));
	jw_name(w, "type", socktype_name(s->type, buf, sizeof buf));
	/* A string, as the original: the protocol's name for a non-zero
	 * number getprotobynumber knows, else the number ("0"). */
	jw_name(w, "protocol", protocol_name(s->protocol, buf, sizeof buf));
	jw_bool(w, "SOCK_CLOEXEC", s->cloexec);
	jw_bool(w, "SOCK_NONBLOCK", s->nonblock);
	jw_obj_end(w);
}

static bool is_send(int type) {
	return type == EV_SEND || type == EV_SENDTO || type == EV_SENDMSG || type == EV_SENDMMSG;
}

static void flags_fields(struct jw *w, int type, int f) {
	if (is_send(type)) {
		jw_bool(w, "MSG_CONFIRM", f & MSG_CONFIRM);
		jw_bool(w, "MSG_DONTROUTE", f & MSG_DONTROUTE);
		jw_bool(w, "MSG_DONTWAIT", f & MSG_DONTWAIT);
		jw_bool(w, "MSG_EOR", f & MSG_EOR);
		jw_bool(w, "MSG_MORE", f & MSG_MORE);
		jw_bool(w, "MSG_NOSIGNAL", f & MSG_NOSIGNAL);
		jw_bool(w, "MSG_OOB", f & MSG_OOB);
	} else {
		jw_bool(w, "MSG_CMSG_CLOEXEC", f & MSG_CMSG_CLOEXEC);
		jw_bool(w, "MSG_DONTWAIT", f & MSG_DONTWAIT);
		jw_bool(w, "MSG_ERRQUEUE", f & MSG_ERRQUEUE);
		jw_bool(w, "MSG_OOB", f & MSG_OOB);
		jw_bool(w, "MSG_PEEK", f & MSG_PEEK);
		jw_bool(w, "MSG_TRUNC", f & MSG_TRUNC);
		jw_bool(w, "MSG_WAITALL", f & MSG_WAITALL);
	}
}

/* The flags object of a send/recv without flags, the most common event of
 * all, rendered once by the code above ([0] for sends, [1] for receives). */
static char no_flags[2][256];
static size_t no_flags_len[2];
static pthread_once_t no_flags_once = PTHREAD_ONCE_INIT;

static void render_no_flags(void) {
	for (int i = 0; i < 2; i++) {
		struct outbuf o = {0};
		struct jw w;
		jw_init(&w, &o);
		jw_obj_begin(&w, NULL);
		flags_fields(&w, i == 0 ? EV_SEND : EV_RECV, 0);
		jw_obj_end(&w);
		if (o.p && o.len <= sizeof no_flags[i]) {
			memcpy(no_flags[i], o.p, o.len);
			no_flags_len[i] = o.len;
		}
		free(o.p);
	}
}

static void flags_json(struct jw *w, int type, int f) {
	if (f == 0) {
		pthread_once(&no_flags_once, render_no_flags);
		int i = is_send(type) ? 0 : 1;
		size_t n = no_flags_len[i];
		char *p = n ? jw_lead(w, "flags", n) : NULL;
		if (p) {
			memcpy(p, no_flags[i], n);
			jw_done(w, p + n);
			return;
		}
	}
	jw_obj_begin(w, "flags");
	flags_fields(w, type, f);
	jw_obj_end(w);
}

/* Always the original's {seconds, nanoseconds} object; a call without a
 * timeout (NULL, or a negative poll timeout) has zeros there and, added
 * so it is not mistaken for a zero timeout, "no_timeout": true. */
static void timeout_json(struct jw *w, const struct ev_timeout *t) {
	jw_obj_begin(w, "timeout");
	jw_int(w, "seconds", t->set ? t->sec : 0);
	jw_int(w, "nanoseconds", t->set ? t->nsec : 0);
	jw_obj_end(w);
	if (!t->set) jw_bool(w, "no_timeout", true);
}

/* iov sizes: inline, or all of them in `all` when there were more. */
static void iovec_json(struct jw *w, const struct ev_msg *m, const uint32_t *all) {
	jw_obj_begin(w, "iovec");
	jw_int(w, "iovec_count", m->iovcnt); /* as passed, even -1 */
	/* The sizes that were read (none past IOV_MAX: see fill_iov). */
	uint32_t n = m->iovcnt > 0 && m->iovcnt <= IOV_MAX ? (uint32_t)m->iovcnt : 0;
	bool truncated = !all && n > EV_IOV_INLINE;
	if (truncated) n = EV_IOV_INLINE;
	jw_arr_begin(w, "iovec_sizes");
	for (uint32_t i = 0; i < n; i++) jw_int(w, NULL, all ? all[i] : m->iov_sizes[i]);
	jw_arr_end(w);
	if (truncated) jw_bool(w, "iovec_sizes_truncated", true);
	jw_obj_end(w);
}

static void msghdr_json(struct jw *w, const struct ev_msg *m, const uint32_t *all) {
	jw_obj_begin(w, "msghdr");
	/* msg_flags, as the original: only when set, with the recv flag keys. */
	if (m->msg_flags) {
		jw_obj_begin(w, "flags");
		flags_fields(w, EV_RECV, m->msg_flags);
		jw_obj_end(w);
	}
	iovec_json(w, m, all);
	jw_int(w, "control_data_len", m->controllen);
	jw_arr_begin(w, "control_data");
	for (int i = 0; i < m->ncmsg && i < EV_CMSG_MAX; i++) {
		jw_obj_begin(w, NULL);
		jw_int(w, "cmsg_level", m->cmsg[i].level);
		jw_int(w, "cmsg_type", m->cmsg[i].type);
		jw_int(w, "cmsg_len", m->cmsg[i].len);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (m->name.family) addr_json(w, "addr", &m->name);
	jw_obj_end(w);
}

static void poll_events_json(struct jw *w, const char *key, int e) {
	jw_obj_begin(w, key);
	jw_bool(w, "POLLIN", e & POLLIN);
	jw_bool(w, "POLLPRI", e & POLLPRI);
	jw_bool(w, "POLLOUT", e & POLLOUT);
	jw_bool(w, "POLLRDHUP", e & POLLRDHUP);
	jw_bool(w, "POLLERR", e & POLLERR);
	jw_bool(w, "POLLHUP", e & POLLHUP);
	jw_bool(w, "POLLNVAL", e & POLLNVAL);
	jw_obj_end(w);
}

static void select_events_json(struct jw *w, const char *key, int e) {
	jw_obj_begin(w, key);
	jw_bool(w, "READ", e & 1);
	jw_bool(w, "WRITE", e & 2);
	jw_bool(w, "EXCEPT", e & 4);
	jw_obj_end(w);
}

static void epoll_events_json(struct jw *w, const char *key, uint32_t e) {
	jw_obj_begin(w, key);
	jw_bool(w, "EPOLLIN", e & EPOLLIN);
	jw_bool(w, "EPOLLOUT", e & EPOLLOUT);
	jw_bool(w, "EPOLLRDHUP", e & EPOLLRDHUP);
	jw_bool(w, "EPOLLPRI", e & EPOLLPRI);
	jw_bool(w, "EPOLLERR", e & EPOLLERR);
	jw_bool(w, "EPOLLHUP", e & EPOLLHUP);
	jw_bool(w, "EPOLLET", e & EPOLLET);
	jw_bool(w, "EPOLLONESHOT", e & EPOLLONESHOT);
	jw_bool(w, "EPOLLWAKEUP", e & EPOLLWAKEUP);
	jw_bool(w, "EPOLLEXCLUSIVE", e & EPOLLEXCLUSIVE);
	jw_obj_end(w);
}

static void sockopt_json(struct jw *w, const struct event *ev) {
	char buf[24];
	int level = ev->d.sockopt.level, name = ev->d.sockopt.optname;
	jw_name(w, "level", sockopt_level_name(level, buf, sizeof buf));
	jw_name(w, "optname", sockopt_name(level, name, buf, sizeof buf));
	jw_int(w, "optlen", ev->d.sockopt.optlen);
	if (!ev->d.sockopt.has_val) return;
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		jw_obj_begin(w, "optval");
		jw_int(w, "tv_sec", ev->d.sockopt.val);
		jw_int(w, "tv_usec", ev->d.sockopt.val2);
		jw_obj_end(w);
	} else if (level == SOL_SOCKET && name == SO_LINGER) {
		jw_obj_begin(w, "optval");
		jw_int(w, "l_onoff", ev->d.sockopt.val);
		jw_int(w, "l_linger", ev->d.sockopt.val2);
		jw_obj_end(w);
	} else if ((level == SOL_SOCKET && (name == SO_KEEPALIVE || name == SO_REUSEADDR || name == SO_REUSEPORT ||
					    name == SO_DEBUG || name == SO_BROADCAST)) ||
		   (level == IPPROTO_TCP && name == TCP_NODELAY) || (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)) {
		jw_bool(w, "optval", ev->d.sockopt.val != 0);
	} else {
		jw_int(w, "optval", ev->d.sockopt.val);
	}
}

static void tcp_info_json(struct jw *w, const struct tcp_info *t) {
#define F(f) jw_int(w, #f, t->tcpi_##f);
	F(state) F(ca_state) F(retransmits) F(probes) F(backoff) F(options) F(snd_wscale)
	F(rcv_wscale) F(rto) F(ato) F(snd_mss) F(rcv_mss) F(unacked) F(sacked) F(lost) F(retrans)
	F(fackets) F(last_data_sent) F(last_ack_sent) F(last_data_recv) F(last_ack_recv) F(pmtu)
	F(rcv_ssthresh) F(rtt) F(rttvar) F(snd_ssthresh) F(snd_cwnd) F(advmss) F(reordering)
	F(rcv_rtt) F(rcv_space) F(total_retrans)
#undef F
}

/* File status flags of F_GETFL (the result) and F_SETFL (the argument),
 * the original's keys. */
static void fl_flags_json(struct jw *w, int64_t f) {
	jw_bool(w, "O_APPEND", f & O_APPEND);
	jw_bool(w, "O_ASYNC", f & O_ASYNC);
	jw_bool(w, "O_DIRECT", f & O_DIRECT);
	jw_bool(w, "O_NOATIME", f & O_NOATIME);
	jw_bool(w, "O_NONBLOCK", f & O_NONBLOCK);
}

static void fcntl_json(struct jw *w, const struct event *ev) {
	char buf[24];
	int cmd = ev->d.fcntl.cmd;
	int64_t arg = ev->d.fcntl.arg, ret = ev->err ? 0 : ev->ret; /* a failed get: all false */
	jw_name(w, "cmd", fcntl_cmd_name(cmd, buf, sizeof buf));
	switch (cmd) {
	case F_GETFD:
		jw_bool(w, "O_CLOEXEC", ret & FD_CLOEXEC); /* the original's key */
		break;
	case F_SETFD:
		jw_bool(w, "O_CLOEXEC", arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		fl_flags_json(w, ret);
		break;
	case F_SETFL:
		fl_flags_json(w, arg);
		break;
	case F_DUPFD: case F_DUPFD_CLOEXEC:
		jw_int(w, "arg", (int32_t)arg);
		sockinfo_json(w, &ev->d.fcntl.sock);
		break;
	case F_SETOWN: case F_SETSIG: case F_SETLEASE: case F_NOTIFY: case F_SETPIPE_SZ:
		jw_int(w, "arg", (int32_t)arg);
		break;
	default:
		break;
	}
}

static void mmsg_json(struct jw *w, const struct event *ev) {
	jw_int(w, "bytes", (int64_t)ev->d.mmsg.bytes);
	flags_json(w, ev->type, ev->d.mmsg.flags);
	jw_int(w, "mmsghdr_count", ev->d.mmsg.vlen);
	const struct ev_mmsg_entry *e = ev->extra;
	uint32_t n = e ? ev->extra_len / (uint32_t)sizeof *e : 0;
	jw_arr_begin(w, "mmsghdr_vec");
	for (uint32_t i = 0; i < n; i++) {
		jw_obj_begin(w, NULL);
		jw_int(w, "transmitted_bytes", e[i].transmitted);
		msghdr_json(w, &e[i].msg, NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (n < ev->d.mmsg.done) jw_bool(w, "mmsghdr_vec_missing", true);
	if (ev->type == EV_RECVMMSG) timeout_json(w, &ev->d.mmsg.timeout);
}

static void details_json(struct jw *w, const struct event *ev) {
	char buf[24];
	jw_obj_begin(w, "details");
	switch (ev->type) {
	case EV_SOCKET:
		sockinfo_json(w, &ev->d.sock);
		break;
	case EV_FORKED_SOCKET: case EV_GHOST_SOCKET:
		sockinfo_json(w, &ev->d.found.sock);
		jw_int(w, "fd", ev->ret); /* return_value is 0, as the original's */
		if (ev->d.found.local.family) addr_json(w, "sockname", &ev->d.found.local);
		if (ev->d.found.peer.family) addr_json(w, "peername", &ev->d.found.peer);
		if (ev->d.found.listening) jw_bool(w, "listening", true);
		break;
	case EV_BIND: case EV_CONNECT: case EV_GETSOCKNAME: case EV_GETPEERNAME:
		if (ev->d.addr.family) addr_json(w, "addr", &ev->d.addr);
		break;
	case EV_ACCEPT: case EV_ACCEPT4:
		if (ev->d.accept.addr.family) addr_json(w, "addr", &ev->d.accept.addr);
		sockinfo_json(w, &ev->d.accept.sock);
		if (ev->type == EV_ACCEPT4) jw_int(w, "flags", ev->d.accept.flags);
		break;
	case EV_SHUTDOWN:
		jw_bool(w, "SHUT_RD", ev->d.shutdown.how == SHUT_RD || ev->d.shutdown.how == SHUT_RDWR);
		jw_bool(w, "SHUT_WR", ev->d.shutdown.how == SHUT_WR || ev->d.shutdown.how == SHUT_RDWR);
		break;
	case EV_LISTEN:
		jw_int(w, "backlog", ev->d.listen.backlog);
		break;
	case EV_GETSOCKOPT: case EV_SETSOCKOPT:
		sockopt_json(w, ev);
		break;
	case EV_SEND: case EV_RECV: case EV_SENDTO: case EV_RECVFROM:
		jw_int(w, "bytes", (int64_t)ev->d.io.bytes);
		flags_json(w, ev->type, ev->d.io.flags);
		/* Left out when the program passed no address, as the original. */
		if ((ev->type == EV_SENDTO || ev->type == EV_RECVFROM) && ev->d.io.addr.family)
			addr_json(w, "addr", &ev->d.io.addr);
		break;
	case EV_WRITE: case EV_READ: case EV_SENDFILE:
		jw_int(w, "bytes", (int64_t)ev->d.io.bytes);
		break;
	case EV_SENDMSG: case EV_RECVMSG:
		jw_int(w, "bytes", (int64_t)ev->d.msg.bytes);
		flags_json(w, ev->type, ev->d.msg.flags);
		msghdr_json(w, &ev->d.msg.msg, ev->extra);
		break;
	case EV_WRITEV: case EV_READV:
		jw_int(w, "bytes", (int64_t)ev->d.msg.bytes);
		iovec_json(w, &ev->d.msg.msg, ev->extra);
		break;
	case EV_SENDMMSG: case EV_RECVMMSG:
		mmsg_json(w, ev);
		break;
	case EV_ISFDTYPE:
		jw_int(w, "fdtype", ev->d.isfdtype.fdtype);
		break;
	case EV_DUP: case EV_DUP2: case EV_DUP3:
		sockinfo_json(w, &ev->d.dup.sock);
		jw_int(w, "newfd", ev->d.dup.newfd);
		if (ev->type == EV_DUP3) jw_bool(w, "O_CLOEXEC", ev->d.dup.flags & O_CLOEXEC);
		break;
	case EV_IOCTL:
		jw_name(w, "request", ioctl_name(ev->d.ioctl.request, buf, sizeof buf));
		if (ev->d.ioctl.has_arg) jw_int(w, "arg", ev->d.ioctl.arg);
		break;
	case EV_POLL: case EV_PPOLL:
		timeout_json(w, &ev->d.poll.timeout);
		poll_events_json(w, "requested_events", ev->d.poll.requested);
		poll_events_json(w, "returned_events", ev->d.poll.returned);
		break;
	case EV_SELECT: case EV_PSELECT:
		timeout_json(w, &ev->d.poll.timeout);
		select_events_json(w, "requested_events", ev->d.poll.requested);
		select_events_json(w, "returned_events", ev->d.poll.returned);
		break;
	case EV_FCNTL:
		fcntl_json(w, ev);
		break;
	case EV_EPOLL_CTL:
		jw_name(w, "op", epoll_op_name(ev->d.epoll.op, buf, sizeof buf));
		epoll_events_json(w, "requested_events", ev->d.epoll.events);
		break;
	case EV_EPOLL_WAIT: case EV_EPOLL_PWAIT:
		jw_int(w, "timeout", ev->d.epoll.timeout);
		epoll_events_json(w, "returned_events", ev->d.epoll.events);
		break;
	case EV_FDOPEN:
		jw_str(w, "mode", ev->d.fdopen.mode);
		break;
	case EV_TCP_INFO:
		tcp_info_json(w, &ev->d.tcpi);
		break;
	default:
		break;
	}
	jw_obj_end(w);
}

void event_json_line(const struct event *ev, struct outbuf *o) {
	struct jw w;
	char buf[24];
	jw_init(&w, o);
	jw_obj_begin(&w, NULL);
	jw_name(&w, "type", ev->type < EV__COUNT ? event_names[ev->type] : "unknown");
	jw_int(&w, "timestamp_usec", ev->ts_usec);
	jw_int(&w, "duration_nsec", ev->dur_nsec);
	/* A pseudo event made no call: 0, as the original (its fd is in details). */
	bool pseudo_sock = ev->type == EV_FORKED_SOCKET || ev->type == EV_GHOST_SOCKET;
	jw_int(&w, "return_value", pseudo_sock ? 0 : ev->ret);
	jw_bool(&w, "success", ev->err == 0);
	if (ev->err) jw_name(&w, "errno", errno_name(ev->err, buf, sizeof buf));
	jw_int(&w, "thread_id", ev->tid);
	jw_bool(&w, "fake_call", ev->fake);
	details_json(&w, ev);
	jw_obj_end(&w);
	outbuf_add(o, "\n", 1);
}

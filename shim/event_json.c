#include "event_json.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

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

static void set(json_t *o, const char *k, json_t *v) { json_object_set_new(o, k, v); }
static void set_str(json_t *o, const char *k, const char *v) { set(o, k, json_string(v)); }
static void set_int(json_t *o, const char *k, json_int_t v) { set(o, k, json_integer(v)); }
static void set_bool(json_t *o, const char *k, bool v) { set(o, k, json_boolean(v)); }

static json_t *addr_json(const struct ev_addr *a) {
	json_t *o = json_object();
	char buf[16], ip[INET6_ADDRSTRLEN] = "";
	set_str(o, "sa_family", domain_name(a->family, buf, sizeof buf));
	if (a->family == AF_INET || a->family == AF_INET6) {
		inet_ntop(a->family, a->ip, ip, sizeof ip);
		set_str(o, "ip", ip);
		snprintf(buf, sizeof buf, "%u", a->port);
		set_str(o, "port", buf);
	}
	return o;
}

static json_t *sockinfo_json(const struct ev_sockinfo *s) {
	json_t *o = json_object();
	char buf[16];
	set_str(o, "domain", domain_name(s->domain, buf, sizeof buf));
	set_str(o, "type", socktype_name(s->type, buf, sizeof buf));
	set_int(o, "protocol", s->protocol);
	set_bool(o, "SOCK_CLOEXEC", s->cloexec);
	set_bool(o, "SOCK_NONBLOCK", s->nonblock);
	return o;
}

static json_t *send_flags_json(int f) {
	json_t *o = json_object();
	set_bool(o, "MSG_CONFIRM", f & MSG_CONFIRM);
	set_bool(o, "MSG_DONTROUTE", f & MSG_DONTROUTE);
	set_bool(o, "MSG_DONTWAIT", f & MSG_DONTWAIT);
	set_bool(o, "MSG_EOR", f & MSG_EOR);
	set_bool(o, "MSG_MORE", f & MSG_MORE);
	set_bool(o, "MSG_NOSIGNAL", f & MSG_NOSIGNAL);
	set_bool(o, "MSG_OOB", f & MSG_OOB);
	return o;
}

static json_t *recv_flags_json(int f) {
	json_t *o = json_object();
	set_bool(o, "MSG_CMSG_CLOEXEC", f & MSG_CMSG_CLOEXEC);
	set_bool(o, "MSG_DONTWAIT", f & MSG_DONTWAIT);
	set_bool(o, "MSG_ERRQUEUE", f & MSG_ERRQUEUE);
	set_bool(o, "MSG_OOB", f & MSG_OOB);
	set_bool(o, "MSG_PEEK", f & MSG_PEEK);
	set_bool(o, "MSG_TRUNC", f & MSG_TRUNC);
	set_bool(o, "MSG_WAITALL", f & MSG_WAITALL);
	return o;
}

static bool is_send(int type) {
	return type == EV_SEND || type == EV_SENDTO || type == EV_SENDMSG || type == EV_SENDMMSG;
}

static json_t *timeout_json(const struct ev_timeout *t) {
	if (!t->set) return json_null();
	json_t *o = json_object();
	set_int(o, "seconds", t->sec);
	set_int(o, "nanoseconds", t->nsec);
	return o;
}

/* iov sizes: inline, or all of them in `all` when there were more. */
static json_t *iovec_json(const struct ev_msg *m, const uint32_t *all) {
	json_t *o = json_object(), *sizes = json_array();
	set_int(o, "iovec_count", m->iovcnt);
	uint32_t n = m->iovcnt;
	if (!all && n > EV_IOV_INLINE) {
		n = EV_IOV_INLINE;
		set_bool(o, "iovec_sizes_truncated", true);
	}
	for (uint32_t i = 0; i < n; i++) json_array_append_new(sizes, json_integer(all ? all[i] : m->iov_sizes[i]));
	set(o, "iovec_sizes", sizes);
	return o;
}

static json_t *msghdr_json(const struct ev_msg *m, const uint32_t *all) {
	json_t *o = json_object(), *cd = json_array();
	set(o, "iovec", iovec_json(m, all));
	set_int(o, "control_data_len", m->controllen);
	for (int i = 0; i < m->ncmsg && i < EV_CMSG_MAX; i++) {
		json_t *c = json_object();
		set_int(c, "cmsg_level", m->cmsg[i].level);
		set_int(c, "cmsg_type", m->cmsg[i].type);
		set_int(c, "cmsg_len", m->cmsg[i].len);
		json_array_append_new(cd, c);
	}
	set(o, "control_data", cd);
	if (m->name.family) set(o, "addr", addr_json(&m->name));
	return o;
}

static json_t *poll_events_json(int e) {
	json_t *o = json_object();
	set_bool(o, "POLLIN", e & POLLIN);
	set_bool(o, "POLLPRI", e & POLLPRI);
	set_bool(o, "POLLOUT", e & POLLOUT);
	set_bool(o, "POLLRDHUP", e & POLLRDHUP);
	set_bool(o, "POLLERR", e & POLLERR);
	set_bool(o, "POLLHUP", e & POLLHUP);
	set_bool(o, "POLLNVAL", e & POLLNVAL);
	return o;
}

static json_t *select_events_json(int e) {
	json_t *o = json_object();
	set_bool(o, "READ", e & 1);
	set_bool(o, "WRITE", e & 2);
	set_bool(o, "EXCEPT", e & 4);
	return o;
}

static json_t *epoll_events_json(uint32_t e) {
	json_t *o = json_object();
	set_bool(o, "EPOLLIN", e & EPOLLIN);
	set_bool(o, "EPOLLOUT", e & EPOLLOUT);
	set_bool(o, "EPOLLRDHUP", e & EPOLLRDHUP);
	set_bool(o, "EPOLLPRI", e & EPOLLPRI);
	set_bool(o, "EPOLLERR", e & EPOLLERR);
	set_bool(o, "EPOLLHUP", e & EPOLLHUP);
	set_bool(o, "EPOLLET", e & EPOLLET);
	set_bool(o, "EPOLLONESHOT", e & EPOLLONESHOT);
	set_bool(o, "EPOLLWAKEUP", e & EPOLLWAKEUP);
	set_bool(o, "EPOLLEXCLUSIVE", e & EPOLLEXCLUSIVE);
	return o;
}

static void sockopt_json(json_t *d, const struct event *ev) {
	char buf[24];
	set_str(d, "level", sockopt_level_name(ev->d.sockopt.level, buf, sizeof buf));
	set_str(d, "optname", sockopt_name(ev->d.sockopt.level, ev->d.sockopt.optname, buf, sizeof buf));
	set_int(d, "optlen", ev->d.sockopt.optlen);
	if (!ev->d.sockopt.has_val) return;
	int level = ev->d.sockopt.level, name = ev->d.sockopt.optname;
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		json_t *t = json_object();
		set_int(t, "tv_sec", ev->d.sockopt.val);
		set_int(t, "tv_usec", ev->d.sockopt.val2);
		set(d, "optval", t);
	} else if (level == SOL_SOCKET && name == SO_LINGER) {
		json_t *l = json_object();
		set_int(l, "l_onoff", ev->d.sockopt.val);
		set_int(l, "l_linger", ev->d.sockopt.val2);
		set(d, "optval", l);
	} else if ((level == SOL_SOCKET && (name == SO_KEEPALIVE || name == SO_REUSEADDR ||
					    name == SO_REUSEPORT || name == SO_DEBUG ||
					    name == SO_BROADCAST)) ||
		   (level == IPPROTO_TCP && name == TCP_NODELAY) ||
		   (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)) {
		set_bool(d, "optval", ev->d.sockopt.val != 0);
	} else {
		set_int(d, "optval", ev->d.sockopt.val);
	}
}

static void tcp_info_json(json_t *d, const struct tcp_info *t) {
#define F(f) set_int(d, #f, t->tcpi_##f);
	F(state) F(ca_state) F(retransmits) F(probes) F(backoff) F(options) F(snd_wscale)
	F(rcv_wscale) F(rto) F(ato) F(snd_mss) F(rcv_mss) F(unacked) F(sacked) F(lost) F(retrans)
	F(fackets) F(last_data_sent) F(last_ack_sent) F(last_data_recv) F(last_ack_recv) F(pmtu)
	F(rcv_ssthresh) F(rtt) F(rttvar) F(snd_ssthresh) F(snd_cwnd) F(advmss) F(reordering)
	F(rcv_rtt) F(rcv_space) F(total_retrans)
#undef F
}

static void fcntl_json(json_t *d, const struct event *ev) {
	char buf[24];
	int cmd = ev->d.fcntl.cmd;
	int64_t arg = ev->d.fcntl.arg;
	set_str(d, "cmd", fcntl_cmd_name(cmd, buf, sizeof buf));
	switch (cmd) {
	case F_DUPFD: case F_DUPFD_CLOEXEC:
		set_int(d, "minfd", arg);
		break;
	case F_SETFD:
		set_bool(d, "FD_CLOEXEC", arg & FD_CLOEXEC);
		break;
	case F_SETFL:
		set_bool(d, "O_APPEND", arg & O_APPEND);
		set_bool(d, "O_ASYNC", arg & O_ASYNC);
		set_bool(d, "O_NONBLOCK", arg & O_NONBLOCK);
		break;
	case F_SETOWN: case F_SETSIG:
		set_int(d, "arg", arg);
		break;
	default:
		break;
	}
}

static json_t *details_json(const struct event *ev) {
	json_t *d = json_object();
	char buf[24];
	const struct ev_msg *m = &ev->d.msg.msg;
	switch (ev->type) {
	case EV_SOCKET: case EV_FORKED_SOCKET: case EV_GHOST_SOCKET:
		set(d, "sock_info", sockinfo_json(&ev->d.sock));
		break;
	case EV_BIND: case EV_CONNECT: case EV_GETSOCKNAME: case EV_GETPEERNAME:
		if (ev->d.addr.family) set(d, "addr", addr_json(&ev->d.addr));
		break;
	case EV_ACCEPT: case EV_ACCEPT4:
		if (ev->d.accept.addr.family) set(d, "addr", addr_json(&ev->d.accept.addr));
		set(d, "sock_info", sockinfo_json(&ev->d.accept.sock));
		if (ev->type == EV_ACCEPT4) set_int(d, "flags", ev->d.accept.flags);
		break;
	case EV_SHUTDOWN:
		set_bool(d, "SHUT_RD", ev->d.shutdown.how == SHUT_RD || ev->d.shutdown.how == SHUT_RDWR);
		set_bool(d, "SHUT_WR", ev->d.shutdown.how == SHUT_WR || ev->d.shutdown.how == SHUT_RDWR);
		break;
	case EV_LISTEN:
		set_int(d, "backlog", ev->d.listen.backlog);
		break;
	case EV_GETSOCKOPT: case EV_SETSOCKOPT:
		sockopt_json(d, ev);
		break;
	case EV_SEND: case EV_RECV: case EV_SENDTO: case EV_RECVFROM:
		set_int(d, "bytes", (json_int_t)ev->d.io.bytes);
		set(d, "flags", is_send(ev->type) ? send_flags_json(ev->d.io.flags) : recv_flags_json(ev->d.io.flags));
		if (ev->type == EV_SENDTO || ev->type == EV_RECVFROM) {
			if (ev->d.io.addr.family) set(d, "addr", addr_json(&ev->d.io.addr));
			else set(d, "addr", json_null());
		}
		break;
	case EV_WRITE: case EV_READ: case EV_SENDFILE:
		set_int(d, "bytes", (json_int_t)ev->d.io.bytes);
		break;
	case EV_SENDMSG: case EV_RECVMSG:
		set_int(d, "bytes", (json_int_t)ev->d.msg.bytes);
		set(d, "flags", is_send(ev->type) ? send_flags_json(ev->d.msg.flags) : recv_flags_json(ev->d.msg.flags));
		set(d, "msghdr", msghdr_json(m, ev->extra));
		break;
	case EV_WRITEV: case EV_READV:
		set_int(d, "bytes", (json_int_t)ev->d.msg.bytes);
		set(d, "iovec", iovec_json(m, ev->extra));
		break;
	case EV_SENDMMSG: case EV_RECVMMSG: {
		set_int(d, "bytes", (json_int_t)ev->d.mmsg.bytes);
		set(d, "flags", is_send(ev->type) ? send_flags_json(ev->d.mmsg.flags) : recv_flags_json(ev->d.mmsg.flags));
		set_int(d, "mmsghdr_count", ev->d.mmsg.vlen);
		json_t *vec = json_array();
		const struct ev_mmsg_entry *e = ev->extra;
		uint32_t n = e ? ev->extra_len / sizeof *e : 0;
		for (uint32_t i = 0; i < n; i++) {
			json_t *o = json_object();
			set_int(o, "transmitted_bytes", e[i].transmitted);
			set(o, "msghdr", msghdr_json(&e[i].msg, NULL));
			json_array_append_new(vec, o);
		}
		set(d, "mmsghdr_vec", vec);
		if (n < ev->d.mmsg.vlen) set_bool(d, "mmsghdr_vec_missing", true);
		if (ev->type == EV_RECVMMSG) set(d, "timeout", timeout_json(&ev->d.mmsg.timeout));
		break;
	}
	case EV_ISFDTYPE:
		set_int(d, "fdtype", ev->d.isfdtype.fdtype);
		break;
	case EV_DUP: case EV_DUP2: case EV_DUP3:
		set(d, "sock_info", sockinfo_json(&ev->d.dup.sock));
		set_int(d, "newfd", ev->d.dup.newfd);
		if (ev->type == EV_DUP3) set_bool(d, "O_CLOEXEC", ev->d.dup.flags & O_CLOEXEC);
		break;
	case EV_IOCTL:
		set_str(d, "request", ioctl_name(ev->d.ioctl.request, buf, sizeof buf));
		if (ev->d.ioctl.has_arg) set_int(d, "arg", ev->d.ioctl.arg);
		break;
	case EV_POLL: case EV_PPOLL:
		set(d, "timeout", timeout_json(&ev->d.poll.timeout));
		set(d, "requested_events", poll_events_json(ev->d.poll.requested));
		set(d, "returned_events", poll_events_json(ev->d.poll.returned));
		break;
	case EV_SELECT: case EV_PSELECT:
		set(d, "timeout", timeout_json(&ev->d.poll.timeout));
		set(d, "requested_events", select_events_json(ev->d.poll.requested));
		set(d, "returned_events", select_events_json(ev->d.poll.returned));
		break;
	case EV_FCNTL:
		fcntl_json(d, ev);
		break;
	case EV_EPOLL_CTL:
		set_str(d, "op", epoll_op_name(ev->d.epoll.op, buf, sizeof buf));
		set(d, "events", epoll_events_json(ev->d.epoll.events));
		break;
	case EV_EPOLL_WAIT: case EV_EPOLL_PWAIT:
		set_int(d, "timeout", ev->d.epoll.timeout);
		set(d, "events", epoll_events_json(ev->d.epoll.events));
		break;
	case EV_FDOPEN:
		set_str(d, "mode", ev->d.fdopen.mode);
		break;
	case EV_TCP_INFO:
		tcp_info_json(d, &ev->d.tcpi);
		break;
	default:
		break;
	}
	return d;
}

void event_json_line(const struct event *ev, struct outbuf *o) {
	json_t *j = json_object();
	char buf[24];
	set_str(j, "type", ev->type < EV__COUNT ? event_names[ev->type] : "unknown");
	set_int(j, "timestamp_usec", ev->ts_usec);
	set_int(j, "return_value", ev->ret);
	set_bool(j, "success", ev->err == 0);
	if (ev->err) set_str(j, "errno", errno_name(ev->err, buf, sizeof buf));
	set_int(j, "thread_id", ev->tid);
	set_bool(j, "fake_call", ev->fake);
	set(j, "details", details_json(ev));
	char *s = json_dumps(j, 0);
	json_decref(j);
	if (!s) return;
	outbuf_add(o, s, strlen(s));
	outbuf_add(o, "\n", 1);
	free(s);
}

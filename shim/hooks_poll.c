/* Hooks: waiting on sockets — poll, select, epoll. One event per traced
 * socket among the fds waited on. */
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "epoll_map.h"
#include "real.h"
#include "record.h"

static void set_timeout_ms(struct ev_timeout *t, int ms) {
	t->set = ms >= 0;
	t->sec = ms >= 0 ? ms / 1000 : 0;
	t->nsec = ms >= 0 ? (int64_t)(ms % 1000) * 1000000 : 0;
}

static void set_timespec(struct ev_timeout *t, const struct timespec *ts) {
	t->set = ts != NULL;
	t->sec = ts ? ts->tv_sec : 0;
	t->nsec = ts ? ts->tv_nsec : 0;
}

static void record_poll(int type, const struct pollfd *fds, nfds_t n, int ret, int err, const struct ev_timeout *t) {
	/* EINVAL (nfds too big) or EFAULT: the array may not be readable. */
	if (!fds || (ret < 0 && (err == EINVAL || err == EFAULT)) || !tracing_active()) return;
	for (nfds_t i = 0; i < n; i++) {
		struct sock *s = traced(fds[i].fd);
		if (!s) continue;
		struct event ev;
		ev_init(&ev, type, ret, ret < 0, err);
		ev.d.poll.timeout = *t;
		ev.d.poll.requested = fds[i].events;
		ev.d.poll.returned = ret > 0 ? fds[i].revents : 0;
		record(s, fds[i].fd, &ev);
	}
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout) {
	int ret = REAL(poll)(fds, n, timeout);
	int err = errno;
	struct ev_timeout t;
	set_timeout_ms(&t, timeout);
	record_poll(EV_POLL, fds, n, ret, err, &t);
	errno = err;
	return ret;
}

EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
	int ret = REAL(__poll_chk)(fds, n, timeout, fdslen);
	int err = errno;
	struct ev_timeout t;
	set_timeout_ms(&t, timeout);
	record_poll(EV_POLL, fds, n, ret, err, &t);
	errno = err;
	return ret;
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask) {
	int ret = REAL(ppoll)(fds, n, ts, mask);
	int err = errno;
	struct ev_timeout t;
	set_timespec(&t, ts);
	record_poll(EV_PPOLL, fds, n, ret, err, &t);
	errno = err;
	return ret;
}

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask, size_t fdslen) {
	int ret = REAL(__ppoll_chk)(fds, n, ts, mask, fdslen);
	int err = errno;
	struct ev_timeout t;
	set_timespec(&t, ts);
	record_poll(EV_PPOLL, fds, n, ret, err, &t);
	errno = err;
	return ret;
}

/* select rewrites its sets: keep the requested ones to compare. */
struct select_req {
	fd_set r, w, e;
	bool has_r, has_w, has_e;
};

static void select_save(struct select_req *q, int nfds, fd_set *r, fd_set *w, fd_set *e) {
	(void)nfds;
	if ((q->has_r = r != NULL)) q->r = *r;
	if ((q->has_w = w != NULL)) q->w = *w;
	if ((q->has_e = e != NULL)) q->e = *e;
}

static int select_bits(int fd, bool hr, const fd_set *r, bool hw, const fd_set *w, bool he, const fd_set *e) {
	return (hr && FD_ISSET(fd, r) ? 1 : 0) | (hw && FD_ISSET(fd, w) ? 2 : 0) | (he && FD_ISSET(fd, e) ? 4 : 0);
}

static void record_select(int type, const struct select_req *q, int nfds, fd_set *r, fd_set *w, fd_set *e, int ret,
			  int err, const struct ev_timeout *t) {
	if (nfds > FD_SETSIZE) nfds = FD_SETSIZE;
	for (int fd = 0; fd < nfds; fd++) {
		int req = select_bits(fd, q->has_r, &q->r, q->has_w, &q->w, q->has_e, &q->e);
		if (!req) continue;
		struct sock *s = traced(fd);
		if (!s) continue;
		struct event ev;
		ev_init(&ev, type, ret, ret < 0, err);
		ev.d.poll.timeout = *t;
		ev.d.poll.requested = req;
		ev.d.poll.returned = ret > 0 ? select_bits(fd, r != NULL, r, w != NULL, w, e != NULL, e) : 0;
		record(s, fd, &ev);
	}
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
	if (!tracing_active() || nfds <= 0) return REAL(select)(nfds, r, w, e, tv);
	struct select_req q;
	select_save(&q, nfds, r, w, e);
	struct ev_timeout t = {.set = tv != NULL, .sec = tv ? tv->tv_sec : 0, .nsec = tv ? (int64_t)tv->tv_usec * 1000 : 0};
	int ret = REAL(select)(nfds, r, w, e, tv);
	int err = errno;
	record_select(EV_SELECT, &q, nfds, r, w, e, ret, err, &t);
	errno = err;
	return ret;
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask) {
	if (!tracing_active() || nfds <= 0) return REAL(pselect)(nfds, r, w, e, ts, mask);
	struct select_req q;
	select_save(&q, nfds, r, w, e);
	struct ev_timeout t;
	set_timespec(&t, ts);
	int ret = REAL(pselect)(nfds, r, w, e, ts, mask);
	int err = errno;
	record_select(EV_PSELECT, &q, nfds, r, w, e, ret, err, &t);
	errno = err;
	return ret;
}

#ifdef TCPSNITCH_TIME64
/* 32-bit programs with 64-bit time_t (time64.h). */
EXPORT int __select64(int nfds, fd_set *r, fd_set *w, fd_set *e, void *tvp) {
	if (!tracing_active() || nfds <= 0) return REAL(__select64)(nfds, r, w, e, tvp);
	const struct tv64 *tv = tvp;
	struct select_req q;
	select_save(&q, nfds, r, w, e);
	struct ev_timeout t = {.set = tv != NULL, .sec = tv ? tv->tv_sec : 0, .nsec = tv ? tv->tv_usec * 1000 : 0};
	int ret = REAL(__select64)(nfds, r, w, e, tvp);
	int err = errno;
	record_select(EV_SELECT, &q, nfds, r, w, e, ret, err, &t);
	errno = err;
	return ret;
}

static void set_ts64(struct ev_timeout *t, const struct ts64 *ts) {
	t->set = ts != NULL;
	t->sec = ts ? ts->tv_sec : 0;
	t->nsec = ts ? ts->tv_nsec : 0;
}

EXPORT int __pselect64(int nfds, fd_set *r, fd_set *w, fd_set *e, const void *ts, const sigset_t *mask) {
	if (!tracing_active() || nfds <= 0) return REAL(__pselect64)(nfds, r, w, e, ts, mask);
	struct select_req q;
	select_save(&q, nfds, r, w, e);
	struct ev_timeout t;
	set_ts64(&t, ts);
	int ret = REAL(__pselect64)(nfds, r, w, e, ts, mask);
	int err = errno;
	record_select(EV_PSELECT, &q, nfds, r, w, e, ret, err, &t);
	errno = err;
	return ret;
}

EXPORT int __ppoll64(struct pollfd *fds, nfds_t n, const void *ts, const sigset_t *mask) {
	int ret = REAL(__ppoll64)(fds, n, ts, mask);
	int err = errno;
	struct ev_timeout t;
	set_ts64(&t, ts);
	record_poll(EV_PPOLL, fds, n, ret, err, &t);
	errno = err;
	return ret;
}
#endif

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
	int ret = REAL(epoll_ctl)(epfd, op, fd, event);
	int err = errno;
	struct sock *s = traced(fd);
	if (s) {
		struct event ev;
		ev_init(&ev, EV_EPOLL_CTL, ret, ret < 0, err);
		ev.d.epoll.op = op;
		ev.d.epoll.timeout = 0;
		/* EPOLL_CTL_DEL may pass NULL (allowed since Linux 2.6.9); an
		 * EFAULT event may not be readable. */
		if (ret < 0 && err == EFAULT) event = NULL;
		ev.d.epoll.events = event ? event->events : 0;
		record(s, fd, &ev);
		if (ret == 0 && op == EPOLL_CTL_DEL) epoll_map_del(epfd, fd);
		else if (ret == 0 && event) epoll_map_set(epfd, event->data.u64, fd);
	}
	errno = err;
	return ret;
}

static void record_epoll_wait(int type, int epfd, const struct epoll_event *evs, int ret, int err, int timeout) {
	if (ret <= 0 || !evs || !tracing_active()) return;
	for (int i = 0; i < ret; i++) {
		int fd = epoll_map_get(epfd, evs[i].data.u64);
		if (fd < 0) continue;
		struct sock *s = traced(fd);
		if (!s) continue;
		struct event ev;
		ev_init(&ev, type, ret, false, err);
		ev.d.epoll.op = 0;
		ev.d.epoll.timeout = timeout;
		ev.d.epoll.events = evs[i].events;
		record(s, fd, &ev);
	}
}

EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout) {
	int ret = REAL(epoll_wait)(epfd, evs, max, timeout);
	int err = errno;
	record_epoll_wait(EV_EPOLL_WAIT, epfd, evs, ret, err, timeout);
	errno = err;
	return ret;
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout, const sigset_t *mask) {
	int ret = REAL(epoll_pwait)(epfd, evs, max, timeout, mask);
	int err = errno;
	record_epoll_wait(EV_EPOLL_PWAIT, epfd, evs, ret, err, timeout);
	errno = err;
	return ret;
}

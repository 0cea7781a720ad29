/* The hot path: hooks fill an event and hand it to record(), which appends
 * it to its socket's buffer (a per-socket lock, never a global one) and
 * takes a TCP_INFO sample when -b or -u says one is due. */
#ifndef TCPSNITCH_RECORD_H
#define TCPSNITCH_RECORD_H

#include <time.h>

#include "calltime.h"
#include "fdtable.h"
#include "hazard.h"
#include "lifecycle.h"
#include "tstate.h"

static inline int64_t now_usec(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Starts an event for a call that returned ret with errno err (when ret
 * says it failed; pass failed = ret < 0 for most calls). */
static inline void ev_init(struct event *ev, int type, int64_t ret, bool failed, int err) {
	ev->type = (uint16_t)type;
	ev->fake = 0;
	ev->ret = ret;
	ev->err = failed ? err : 0;
	/* The start first: a signal handler that runs in between and makes
	 * the same call notes a later start, which must not pass the end. */
	int64_t start = call_start_nsec(type);
	int64_t end = now_nsec();
	ev->ts_usec = end / 1000;
	ev->dur_nsec = start > 0 && end > start ? end - start : 0;
	ev->tid = tstate_tid();
	ev->extra = NULL;
	ev->extra_len = 0;
}

/* Appends ev to s (copied). fd is the fd the call used, for TCP_INFO and -v. */
void record(struct sock *s, int fd, struct event *ev);
/* The socket() event of a new socket. */
void record_socket_event(struct sock *s, int fd, const struct ev_sockinfo *info);
/* forked_socket or ghost_socket: a socket found already made, with where
 * it is bound and connected (sock_endpoints). */
void record_found_event(struct sock *s, int type, int fd, const struct ev_sockinfo *info);

/* Moves the events signal handlers recorded into their sockets (the
 * writer's pass calls it; record() does when there are some). */
void record_drain_reserve(void);
/* The same from the writer's pass for a signal handler: a socket lock that
 * stays taken for 100 ms drops the event rather than wait. */
void record_drain_reserve_bounded(void);
/* fork: hold the reserve still in prepare; release it in the parent; the
 * child starts with an empty one. */
void record_prepare_fork(void);
void record_parent_after_fork(void);
void record_reset_after_fork(void);

/* Whether hooks should trace at all in this thread right now: false inside
 * the shim's own code and when no trace directory is set. */
static inline bool tracing_active(void) {
	if (UNLIKELY(tstate_get()->in_shim)) return false;
	return shim_ready();
}

/* The socket behind fd if the calling thread should record a call on it,
 * named as this thread's hazard (hazard.h) until its next lookup. */
static inline struct sock *traced(int fd) {
	if (UNLIKELY(!tracing_active())) return NULL;
	struct sock *s = fdt_get(fd);
	if (LIKELY(!s)) return NULL;
	return hazard_protect(fd, s);
}

/* Event slots held in chunks in this process, against the memory bound
 * (65536 slots: about 11 MB). */
extern long pending_slots;
#define PENDING_SLOTS_MAX 65536
/* Every this many events recorded by a thread wake the writer instead of
 * leaving them to its next period: formatted soon after they were
 * recorded, the records are still in the CPU's cache (a run that copies
 * 64 KiB per call through the kernel evicts them within a few hundred
 * calls). Counted in events, not in slots allocated: with a thousand live
 * sockets each new chunk holds an event or two, and waking the writer per
 * 2048 slots made a pass every few dozen events. */
#define KICK_EVENTS 2048
/* And every this many slots allocated, ahead of the memory bound. */
#define KICK_SLOTS (PENDING_SLOTS_MAX / 4)

#endif

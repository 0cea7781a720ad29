/* How long each call took (duration_nsec in the trace). REAL(name) reads the
 * clock as the hook enters the real function and keeps the time in a
 * per-thread slot of that function; ev_init() reads the clock again after
 * the call and takes the start from the slot(s) of the event's function.
 *
 * Why one slot per function rather than one per thread: a signal handler
 * that runs while a call blocks (a self-pipe write() during poll(), say)
 * goes through REAL too and would overwrite a single slot; with a slot per
 * function only a handler calling the very same function can, which we
 * accept (the duration then reads shorter). Why not a local in each hook:
 * the time then needs threading through every hook and helper, while this
 * keeps the hooks as they are. */
#ifndef TCPSNITCH_CALLTIME_H
#define TCPSNITCH_CALLTIME_H

#include <time.h>

#include "fdtable.h"
#include "time64.h" /* real_list.h's time64 entries depend on it */
#include "tstate.h"

enum real_id {
#define X(ret, name, params, required) RID_##name,
#include "real_list.h"
#undef X
	RID__COUNT
};

extern TSTATE_TLS int64_t tcpsnitch_call_start[RID__COUNT];

static inline int64_t now_nsec(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The shim's own calls (in_shim: writer thread, logging) are not timed. */
static inline __attribute__((always_inline)) void call_mark(enum real_id id) {
	if (LIKELY(!tcpsnitch_tstate.in_shim)) tcpsnitch_call_start[id] = now_nsec();
}

/* The same for the calls programs make on every kind of fd (read, write,
 * readv, writev): an fd already known not to be a traced socket skips the
 * clock, so file and pipe I/O pays one array read, not a clock read
 * (measured: +10% CPU on a loop of 64-byte file writes and reads). */
static inline __attribute__((always_inline)) void call_mark_fd(enum real_id id, int fd) {
	if (fdt_peek(fd) != FD_IGNORED) call_mark(id);
}

/* When the real call behind an event of this type started, in this thread
 * (0: unknown, e.g. pseudo events). */
int64_t call_start_nsec(int type);

#endif

/* When a closed socket record may be freed: when no thread can still be
 * using it (it was freed 2 s after its close, so a thread stalled longer
 * between its fd lookup and its last use, in a slow signal handler or a
 * stopped process, used freed memory).
 *
 * Hazard pointers: a thread names in its tstate the sockets it may be
 * using (the fd lookup of traced(), the socket it just made or closed);
 * the writer frees a closed record only when no registered thread names
 * it. The hot path pays a store to thread-local memory and a re-read of
 * the fd table, no fence: the writer makes every thread execute one for
 * it (membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, Linux >= 4.14) before
 * it reads the hazards. Where membarrier is missing (or on Android, where
 * an app's seccomp filter may forbid it) the hot path fences itself.
 * A thread names at most two sockets, so what its stale hazards hold back
 * is bounded; a thread's entry leaves the registry when it exits. */
#ifndef TCPSNITCH_HAZARD_H
#define TCPSNITCH_HAZARD_H

#include "fdtable.h"
#include "tstate.h"

extern bool tcpsnitch_hp_fence;
void hazard_register(void);

static inline void hazard_publish(int slot, void *s) {
	struct tstate *ts = tstate_get();
	if (UNLIKELY(ts->hp_state != 1)) hazard_register();
	__atomic_store_n(&ts->hazard[slot], s, __ATOMIC_RELEASE);
	if (UNLIKELY(tcpsnitch_hp_fence)) __atomic_thread_fence(__ATOMIC_SEQ_CST);
	else __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* s was just read from fd's entry: returns it once named as a hazard and
 * still in the entry (so not yet closed), or what the entry holds now
 * (NULL if no socket: closed by another thread meanwhile). */
static inline struct sock *hazard_protect(int fd, struct sock *s) {
	for (int i = 0; i < 8; i++) {
		hazard_publish(0, s);
		uintptr_t v = fdt_peek(fd);
		if (LIKELY(v == (uintptr_t)s)) return s;
		if (v <= FD_CLOSING) return NULL;
		s = (struct sock *)v;
	}
	return NULL;
}

/* The writer: whether a thread names s (after hazard_sync). */
void hazard_sync(void);
/* Fills out with every named socket (sorted), returns how many; out has
 * room for max. -1 when there are more. */
long hazard_collect(void **out, long max);
/* Fork child: only the calling thread exists. */
void hazard_reset_after_fork(void);
/* At start: one pthread key for the exit of registered threads, and the
 * membarrier registration. */
void hazard_init(void);

#endif

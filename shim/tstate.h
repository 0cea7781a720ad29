/* Per-thread state of the shim. */
#ifndef TCPSNITCH_TSTATE_H
#define TCPSNITCH_TSTATE_H

#include "event.h"

struct tstate {
	pid_t tid;       /* kernel thread id, cached (0 = not read yet) */
	int in_shim;     /* running shim internals: hooks pass straight through */
	int depth;       /* inside record(): a signal handler's events go to the reserve */
	/* Program signal handlers running on this thread (signals.c wraps
	 * them): the interrupted code may hold malloc's or any lock, so what
	 * they record goes to the lock-free reserve (record.c). */
	int in_handler;
	/* Frame of the outermost wrapped handler, to notice one that was left
	 * with siglongjmp (0: unknown, e.g. on an alternate signal stack). */
	uintptr_t handler_frame;
	int adopt_fds;   /* socket() moves new fds out of the program's way (ownfd.h) */
	unsigned recorded; /* events this thread recorded, to wake the writer every KICK_EVENTS */
	/* Hazard pointers (hazard.h): the sockets this thread may still be
	 * using; [0] from the last fd lookup, [1] the last one it made or
	 * closed. The writer frees no socket named here. */
	void *hazard[2];
	int hp_state;    /* 0 not registered, 1 registered, 2 exiting, 3 registering */
	struct tstate *hp_next;
};

/* Read on every hooked call: initial-exec TLS (the shim is loaded at
 * start, never dlopen'ed) is a plain offset from the thread pointer. */
#ifdef __ANDROID__
#define TSTATE_TLS __thread
#else
#define TSTATE_TLS __thread __attribute__((tls_model("initial-exec")))
#endif
extern TSTATE_TLS struct tstate tcpsnitch_tstate;

static inline struct tstate *tstate_get(void) { return &tcpsnitch_tstate; }

/* Whether this thread has a TLS block of its own. A child that clone()
 * started with CLONE_VM and a fresh, zeroed one (Chromium's sandbox does,
 * to chroot its zygote, then calls _exit) has none: the address of a TLS
 * variable is computed from the TCB's first word (x86's self pointer,
 * glibc's dtv elsewhere), 0 there, so tstate_get() would point below
 * address 0. Such a child shares the parent's memory: the shim's state is
 * the parent's, and the child must leave it alone. */
static inline bool tstate_tls_usable(void) {
	void *tp = __builtin_thread_pointer();
#if defined(__x86_64__) || defined(__i386__) || defined(__ANDROID__)
	return tp != NULL; /* x86: %fs:0 / %gs:0, the TCB's self pointer */
#else
	return tp != NULL && *(void *const *)tp != NULL;
#endif
}
pid_t tstate_tid(void);
/* In a fork child: the calling thread has a new kernel id. */
void tstate_reset_after_fork(void);

/* Whether a program's signal handler is running on this thread: then
 * nothing may allocate or wait for a lock. A handler left by siglongjmp is
 * noticed when the caller's frame is above (outside) the handler's. */
static inline bool tstate_in_handler(void) {
	struct tstate *ts = tstate_get();
	if (LIKELY(!ts->in_handler)) return false;
	if (ts->handler_frame && (uintptr_t)__builtin_frame_address(0) > ts->handler_frame) {
		ts->in_handler = 0;
		ts->handler_frame = 0;
		return false;
	}
	return true;
}

/* Whether the calling hook may allocate (extra data of an event): not in a
 * signal handler, nor when it interrupted record() itself. */
static inline bool tstate_may_alloc(void) { return tstate_get()->depth == 0 && !tstate_in_handler(); }

#endif

/* Per-thread state of the shim. */
#ifndef TCPSNITCH_TSTATE_H
#define TCPSNITCH_TSTATE_H

#include "event.h"

#define DEFERRED_MAX 16

struct tstate {
	pid_t tid;       /* kernel thread id, cached (0 = not read yet) */
	int in_shim;     /* running shim internals: hooks pass straight through */
	int depth;       /* inside record(): a signal handler defers its events */
	/* Events of signal handlers that interrupted record(): a ring where
	 * the handler only moves dtail and record() only moves dhead. */
	unsigned dhead, dtail;
	struct deferred {
		struct sock *sock;
		int fd;
		struct event ev;
	} deferred[DEFERRED_MAX];
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
pid_t tstate_tid(void);
/* In a fork child: the calling thread has a new kernel id. */
void tstate_reset_after_fork(void);

#endif

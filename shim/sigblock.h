/* Every signal blocked on the calling thread while it holds something a
 * signal handler of the same thread would wait for.
 *
 * A fatal signal's handler (signals.c) has the writer thread make a final
 * pass and waits for it; that pass takes the flush lock, the process
 * directory's lock and the log's. If the signal lands on a thread of the
 * program that holds one of them (its own pass at exit, _exit, exec or
 * fork), the writer can never take it: the handler gave up after 3 s and
 * the process died with its events unwritten (a Python multiprocessing
 * Pool terminating a worker that was already leaving through os._exit).
 * Blocked, the signal waits until the lock is released, then runs as
 * usual. The same holds for a handler of the program that dup2s onto one
 * of the shim's files (ownfd.c). Nests: restore puts back the mask that
 * block found. */
#ifndef TCPSNITCH_SIGBLOCK_H
#define TCPSNITCH_SIGBLOCK_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>

static inline void sigblock_all(sigset_t *old) {
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

static inline void sigblock_restore(const sigset_t *old) {
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, old, NULL);
	errno = saved;
}

#endif

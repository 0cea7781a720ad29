#include "hazard.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#endif

bool tcpsnitch_hp_fence = true; /* until membarrier is known to work */
static struct tstate *threads;  /* registered threads, by hp_next */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* unlinking and reading */
static pthread_key_t key;
static bool key_ok;

/* Thread exit (key destructor, before its TLS is freed): out of the list. */
static void unregister(void *arg) {
	struct tstate *ts = arg;
	pthread_mutex_lock(&lock);
	/* Registration pushes at the head without the lock: CAS the head
	 * first; a node further down only the lock holder unlinks. */
	struct tstate *head = ts;
	if (!__atomic_compare_exchange_n(&threads, &head, ts->hp_next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		for (struct tstate *p = __atomic_load_n(&threads, __ATOMIC_ACQUIRE); p; p = p->hp_next)
			if (p->hp_next == ts) {
				p->hp_next = ts->hp_next;
				break;
			}
	}
	ts->hp_state = 2; /* never again: its TLS goes away */
	ts->hazard[0] = ts->hazard[1] = NULL;
	pthread_mutex_unlock(&lock);
}

void hazard_register(void) {
	struct tstate *ts = tstate_get();
	/* 2: exiting, its last calls go unnamed; 3: a signal handler
	 * interrupted this very registration (pushing twice would loop the
	 * list), its calls go unnamed. */
	if (ts->hp_state >= 2) return;
	ts->hp_state = 3;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Lock-free push (a signal handler may be the first to get here). */
	struct tstate *old = __atomic_load_n(&threads, __ATOMIC_RELAXED);
	do ts->hp_next = old;
	while (!__atomic_compare_exchange_n(&threads, &old, ts, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (key_ok) pthread_setspecific(key, ts);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ts->hp_state = 1;
}

void hazard_init(void) {
	key_ok = pthread_key_create(&key, unregister) == 0;
#if defined(__linux__) && !defined(__ANDROID__) && defined(SYS_membarrier)
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		__atomic_store_n(&tcpsnitch_hp_fence, false, __ATOMIC_RELEASE);
#endif
}

void hazard_sync(void) {
#if defined(__linux__) && !defined(__ANDROID__) && defined(SYS_membarrier)
	if (!__atomic_load_n(&tcpsnitch_hp_fence, __ATOMIC_ACQUIRE) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
		return;
	/* membarrier failed: threads fence from now on; the next reap is safe. */
	__atomic_store_n(&tcpsnitch_hp_fence, true, __ATOMIC_SEQ_CST);
#endif
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int cmp_ptr(const void *a, const void *b) {
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
	return x < y ? -1 : x > y;
}

long hazard_collect(void **out, long max) {
	long n = 0;
	pthread_mutex_lock(&lock);
	for (struct tstate *t = __atomic_load_n(&threads, __ATOMIC_ACQUIRE); t; t = t->hp_next)
		for (int i = 0; i < 2; i++) {
			void *h = __atomic_load_n(&t->hazard[i], __ATOMIC_ACQUIRE);
			if (!h) continue;
			if (n == max) {
				pthread_mutex_unlock(&lock);
				return -1;
			}
			out[n++] = h;
		}
	pthread_mutex_unlock(&lock);
	qsort(out, (size_t)n, sizeof *out, cmp_ptr);
	return n;
}

void hazard_reset_after_fork(void) {
	pthread_mutex_init(&lock, NULL);
	struct tstate *ts = tstate_get();
	threads = NULL;
	ts->hp_state = 0;
	ts->hazard[0] = ts->hazard[1] = NULL;
}

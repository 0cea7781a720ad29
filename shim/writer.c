#include "writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "event_json.h"
#include "extra.h"
#include "outbuf.h"
#include "procname.h"
#include "ownfd.h"
#include "log.h"
#include "options.h"
#include "real.h"
#include "record.h"
#include "runlog.h"
#include "sandbox.h"
#include "sigblock.h"
#include "sock.h"
#include "spool.h"
#include "tstate.h"

#define WRITE_PIECE (64 * 1024)

static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;
static sem_t kick_sem;
static int started; /* 0 no, 1 starting/running */
static long events_written, events_dropped;
static unsigned flush_gen; /* bumped after each writer-thread flush */
static int final_req;      /* a signal handler wants a final pass and the summary */

/* The text of the pass under way (flush_lock): kept from pass to pass, as
 * a fresh 128 KiB buffer each time cost page faults on every pass. */
static struct outbuf pass_text;

static char procdir[700];
static bool procdir_ready; /* set once procdir holds the full path */
static bool procdir_failed;

/* ---- process directory ---- */

static pthread_mutex_t procdir_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *procdir_create(void);

const char *procdir_get(void) {
	if (LIKELY(__atomic_load_n(&procdir_ready, __ATOMIC_ACQUIRE))) return procdir;
	sigset_t old;
	sigblock_all(&old); /* a final pass needs this lock (sigblock.h) */
	pthread_mutex_lock(&procdir_lock);
	const char *d = procdir_create();
	pthread_mutex_unlock(&procdir_lock);
	sigblock_restore(&old);
	return d;
}

const char *procdir_if_made(void) { return __atomic_load_n(&procdir_ready, __ATOMIC_ACQUIRE) ? procdir : NULL; }

static const char *procdir_create(void) {
	if (procdir[0]) return procdir;
	if (procdir_failed || !opt.dir[0]) return NULL;
	char name[80];
	procname_get(name, sizeof name); /* procname.h */
	for (int i = 0; i < 100000; i++) {
		char path[sizeof procdir];
		snprintf(path, sizeof path, "%s/%s_%03d", opt.dir, name, i);
		if (sandbox_mkdir(path, 0755) == 0) {
			memcpy(procdir, path, sizeof procdir);
			__atomic_store_n(&procdir_ready, true, __ATOMIC_RELEASE);
			log_procdir_ready(procdir);
			slog(LOG_INFO, "tracing pid %d (%s) into %s", (int)getpid(), name, procdir);
			return procdir;
		}
		if (errno != EEXIST) break;
	}
	procdir_failed = true;
	slog(LOG_ERROR, "cannot create a process directory in %s: %s", opt.dir, strerror(errno));
	return NULL;
}

/* ---- formatting and writing ---- */

bool lock_bounded(pthread_mutex_t *m, int max_ms) {
	for (int i = 0; i < max_ms; i++) {
		if (pthread_mutex_trylock(m) == 0) return true;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return false;
}

bool write_all(int fd, const char *p, size_t n) {
	while (n) {
		ssize_t w = REAL(write)(fd, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Takes a socket's chunks: under its lock normally; at a fatal signal, when
 * the lock's holder is frozen in the handler, reads what is committed. */
static struct chunk *take_chunks(struct sock *s, bool final) {
	bool locked = true;
	if (final) locked = lock_bounded(&s->lock, 100);
	else pthread_mutex_lock(&s->lock);
	struct chunk *c = s->head;
	s->head = s->tail = NULL;
	if (!final) s->queued = false; /* taken off the dirty stack by this pass */
	if (locked) pthread_mutex_unlock(&s->lock);
	return c;
}

/* A pass a signal handler asked for (on the writer thread): the thread
 * it interrupted may hold malloc's lock, so this pass frees nothing (the
 * process is about to end) and takes no lock without a bound. */
static bool dying;

/* Adds s's recorded events to the pass's text o as one spool record
 * (spool.h). o holds whole records of the sockets before it and is
 * appended to the spool when it passes WRITE_PIECE: one write for many
 * sockets, and never all of a long backlog in memory at once. */
static void flush_sock(struct sock *s, bool final, struct outbuf *o, struct spool_pass *sp) {
	struct chunk *c = take_chunks(s, final);
	if (!c) return;
	long n = 0;
	spool_record_begin(o, sp);
	while (c) {
		uint32_t cnt = __atomic_load_n(&c->n, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < cnt; i++) {
			event_json_line(&c->ev[i], o);
			if (!dying) extra_free(c->ev[i].extra, c->ev[i].extra_len);
			n++;
		}
		struct chunk *next = c->next;
		__atomic_sub_fetch(&pending_slots, c->cap, __ATOMIC_RELAXED);
		if (!dying) chunk_free(c);
		c = next;
		if (o->len >= WRITE_PIECE) {
			spool_record_end(o, sp, s->id);
			spool_append(o, sp);
			if (c) spool_record_begin(o, sp);
		}
	}
	spool_record_end(o, sp, s->id);
	__atomic_add_fetch(&events_written, n, __ATOMIC_RELAXED);
}

struct final_arg {
	struct outbuf *o;
	struct spool_pass *sp;
};

static void flush_one_final(struct sock *s, void *arg) {
	struct final_arg *a = arg;
	flush_sock(s, true, a->o, a->sp);
}

struct sock_list {
	struct sock **v;
	size_t n, cap;
};

static void collect(struct sock *s, void *arg) {
	struct sock_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sock **v = realloc(l->v, cap * sizeof *v);
		if (!v) return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

void writer_flush_all(bool final) {
	struct tstate *ts = tstate_get();
	int was = ts->in_shim;
	ts->in_shim = 1;
	int saved = errno;
	/* No fatal signal's handler may wait on this thread for the lock it
	 * holds (sigblock.h): one that comes meanwhile runs once it is free. */
	sigset_t mask;
	sigblock_all(&mask);
	pthread_mutex_lock(&flush_lock);
	/* What signal handlers recorded, into their sockets. */
	if (dying) record_drain_reserve_bounded();
	else record_drain_reserve();
	struct outbuf *o = &pass_text;
	struct spool_pass sp = {.f = {-1, -1}};
	struct final_arg fa = {o, &sp};
	if (!o->cap) outbuf_room(o, 2 * WRITE_PIECE); /* a pass for a signal handler need not grow it */
	if (dying) {
		socks_foreach_unlocked(flush_one_final, &fa);
	} else if (final) {
		/* Every socket: a thread frozen by a fatal signal may hold one
		 * that is not on the dirty stack yet. The stack is left alone
		 * (`queued` stays set), so a later pass still finds it intact. */
		struct sock_list l = {0};
		socks_foreach(collect, &l);
		for (size_t i = 0; i < l.n; i++) flush_sock(l.v[i], final, o, &sp);
		free(l.v);
	} else {
		/* Once a socket's chunks are taken it may be pushed again, which
		 * rewrites dirty_next: read it first. */
		struct sock *next;
		for (struct sock *s = socks_take_dirty(); s; s = next) {
			next = s->dirty_next;
			flush_sock(s, final, o, &sp);
		}
	}
	spool_append(o, &sp);
	spool_pass_end(&sp);
	capture_flush_all();
	if (!final) socks_reap(now_usec());
	if (!dying) socks_refill_pool();
	pthread_mutex_unlock(&flush_lock);
	pthread_mutex_lock(&drain_lock);
	pthread_cond_broadcast(&drained);
	pthread_mutex_unlock(&drain_lock);
	ts->in_shim = was;
	sigblock_restore(&mask);
	errno = saved;
}

/* ---- the writer thread ---- */

static void *writer_main(void *arg) {
	(void)arg;
	tstate_get()->in_shim = 1; /* its own reads and writes are not traced */
	for (;;) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(opt.flush_ms / 1000);
		until.tv_nsec += (long)(opt.flush_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (sem_timedwait(&kick_sem, &until) < 0 && errno == EINTR) {}
		bool final = __atomic_exchange_n(&final_req, 0, __ATOMIC_ACQ_REL);
		dying = final;
		writer_flush_all(final);
		if (final) writer_summary();
		dying = false;
		__atomic_add_fetch(&flush_gen, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

void writer_ensure_started(void) {
	if (LIKELY(__atomic_load_n(&started, __ATOMIC_ACQUIRE))) return;
	int expected = 0;
	if (!__atomic_compare_exchange_n(&started, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	sem_init(&kick_sem, 0, 0);
	/* The writer inherits a mask blocking every signal: signals meant for
	 * the program are never run on our thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int rc = pthread_create(&th, &attr, writer_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		/* Without a thread, events are written when buffers fill and at exit. */
		__atomic_store_n(&started, 2, __ATOMIC_RELEASE);
		slog(LOG_WARN, "cannot start the writer thread (%s): writing at exit only", strerror(rc));
	}
}

void writer_kick(void) {
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == 1) sem_post(&kick_sem);
}

void writer_wait_drain(void) {
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) != 1) {
		writer_flush_all(false);
		return;
	}
	writer_kick();
	pthread_mutex_lock(&drain_lock);
	while (__atomic_load_n(&pending_slots, __ATOMIC_RELAXED) > PENDING_SLOTS_MAX / 2) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		if (pthread_cond_timedwait(&drained, &drain_lock, &until) != 0) break;
	}
	pthread_mutex_unlock(&drain_lock);
}

void writer_flush_from_signal(int timeout_ms) {
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) != 1) {
		/* No writer: nothing was recorded to write, but the CLI still
		 * learns that this process was traced (apt kills its methods
		 * with SIGINT; without this line it said they were not). One
		 * open, write and close: nothing a handler may not do. */
		runlog_summary(__atomic_load_n(&events_written, __ATOMIC_RELAXED),
			       __atomic_load_n(&events_dropped, __ATOMIC_RELAXED), socks_count());
		return;
	}
	unsigned gen = __atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE);
	/* Final: the interrupted code may be frozen holding a socket's lock. */
	__atomic_store_n(&final_req, 1, __ATOMIC_RELEASE);
	sem_post(&kick_sem);
	/* Two generations: the one under way may have started before us. */
	for (int waited = 0; waited < timeout_ms; waited++) {
		if (__atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE) - gen >= 2) return;
		if (__atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE) - gen == 1) sem_post(&kick_sem);
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
}

void writer_count_dropped(long n) { __atomic_add_fetch(&events_dropped, n, __ATOMIC_RELAXED); }

void writer_count_unwritten(long n) {
	__atomic_sub_fetch(&events_written, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&events_dropped, n, __ATOMIC_RELAXED);
}

void writer_summary(void) {
	long w = __atomic_load_n(&events_written, __ATOMIC_RELAXED);
	long d = __atomic_load_n(&events_dropped, __ATOMIC_RELAXED);
	runlog_summary(w, d, socks_count()); /* every process, sockets or not */
	if (!w && !d) return;
	if (!procdir_get()) return;
	/* Always in logs.txt, whatever -f says: the CLI reads it. */
	int was = opt.file_level;
	if (opt.file_level < LOG_INFO) opt.file_level = LOG_INFO;
	slog(d ? LOG_WARN : LOG_INFO, "tcpsnitch: %ld events recorded, %ld dropped, %d sockets", w, d, socks_count());
	opt.file_level = was;
}

void writer_prepare_fork(void) { pthread_mutex_lock(&flush_lock); }
void writer_lock_pass(void) { pthread_mutex_lock(&flush_lock); }
void writer_unlock_pass(void) { pthread_mutex_unlock(&flush_lock); }
void writer_prepare_fork_procdir(void) { pthread_mutex_lock(&procdir_lock); }

void writer_parent_after_fork(void) {
	pthread_mutex_unlock(&procdir_lock);
	pthread_mutex_unlock(&flush_lock);
}

void writer_reset_after_fork(void) {
	pthread_mutex_init(&flush_lock, NULL);
	pthread_mutex_init(&drain_lock, NULL);
	pthread_cond_init(&drained, NULL);
	pthread_mutex_init(&procdir_lock, NULL);
	started = 0;
	events_written = events_dropped = 0;
	flush_gen = 0;
	procdir[0] = 0;
	procdir_ready = false;
	procdir_failed = false;
	pending_slots = 0;
	/* The parent's writer may have been mid-pass: our copy of its text
	 * buffer holds part of a line. The memory is ours to reuse. */
	pass_text.len = 0;
}

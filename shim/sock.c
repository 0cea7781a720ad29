#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "real.h"
#include "hazard.h"
#include "tstate.h"
#include "writer.h"

static pthread_mutex_t socks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sock *socks;
static struct sock *dirty; /* the dirty stack (sock.h) */
/* Finished records off the list, freed when no thread names them
 * (socks_lock; linked by next). A thread that still uses one may add
 * events: the dirty stack finds it, the final flush looks here too. */
static struct sock *limbo;
static int next_id;

/* How often the writer looks for records to free (hazard.h says when one
 * can be). */
#define REAP_EVERY_USEC 1000000

#define SPARE_CHUNKS_MAX 1024 /* 1.4 MB at most; a pass frees a few hundred */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *spare; /* linked by next */
static unsigned nspare;

struct chunk *chunk_alloc(uint32_t cap) {
	struct chunk *c = NULL;
	/* trylock: a holder interrupted by a signal must never hold up the
	 * writer's pass for that signal (malloc then). */
	if (cap == CHUNK_FIRST_EVENTS && __atomic_load_n(&nspare, __ATOMIC_RELAXED) &&
	    pthread_mutex_trylock(&spare_lock) == 0) {
		if ((c = spare)) {
			spare = c->next;
			__atomic_store_n(&nspare, nspare - 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&spare_lock);
	}
	if (!c && !(c = malloc(sizeof *c + cap * sizeof c->ev[0]))) return NULL;
	c->next = NULL;
	c->n = 0;
	c->cap = cap;
	return c;
}

void chunk_free(struct chunk *c) {
	if (c->cap == CHUNK_FIRST_EVENTS && pthread_mutex_trylock(&spare_lock) == 0) {
		if (nspare < SPARE_CHUNKS_MAX) {
			c->next = spare;
			spare = c;
			__atomic_store_n(&nspare, nspare + 1, __ATOMIC_RELAXED);
			c = NULL;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	free(c);
}

bool sock_is_inet_domain(int domain) { return domain == AF_INET || domain == AF_INET6; }

void sock_info_from_args(struct ev_sockinfo *info, int domain, int type, int protocol) {
	info->domain = domain;
	info->type = type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
	info->protocol = protocol;
	info->cloexec = (type & SOCK_CLOEXEC) != 0;
	info->nonblock = (type & SOCK_NONBLOCK) != 0;
}

static bool seccomp_on;

void sock_seccomp_installed(void) { __atomic_store_n(&seccomp_on, true, __ATOMIC_RELEASE); }

int sock_classify(int fd, struct ev_sockinfo *info) {
	if (__atomic_load_n(&seccomp_on, __ATOMIC_ACQUIRE)) return FD_KIND_OTHER;
	int domain = 0, type = 0, protocol = 0;
	socklen_t len = sizeof domain;
	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return errno == EBADF ? FD_KIND_BAD : FD_KIND_OTHER;
	if (!sock_is_inet_domain(domain)) return FD_KIND_OTHER;
	len = sizeof type;
	REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof protocol;
	REAL(getsockopt)(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
	int fdfl = REAL(fcntl)(fd, F_GETFD), fl = REAL(fcntl)(fd, F_GETFL);
	sock_info_from_args(info, domain, type, protocol);
	info->cloexec = fdfl >= 0 && (fdfl & FD_CLOEXEC);
	info->nonblock = fl >= 0 && (fl & O_NONBLOCK);
	return FD_KIND_INET;
}

void sock_endpoints(int fd, struct ev_addr *local, struct ev_addr *peer, uint8_t *listening) {
	memset(local, 0, sizeof *local);
	memset(peer, 0, sizeof *peer);
	*listening = 0;
	if (__atomic_load_n(&seccomp_on, __ATOMIC_ACQUIRE)) return;
	int saved = errno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (REAL(getsockname)(fd, (struct sockaddr *)&ss, &len) == 0) addr_from_sockaddr(local, (struct sockaddr *)&ss, len);
	len = sizeof ss;
	if (REAL(getpeername)(fd, (struct sockaddr *)&ss, &len) == 0) addr_from_sockaddr(peer, (struct sockaddr *)&ss, len);
	int on = 0;
	len = sizeof on;
	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on) *listening = 1;
	errno = saved;
}

/* Records for sockets created in a signal handler (socket(), accept() or a
 * first use there): taken from a pool of records allocated beforehand, in
 * normal context (sock_new, the writer's pass), then from a few static
 * ones; linked into the list by the writer (the handler may have
 * interrupted a holder of socks_lock). A slot of the pool is claimed by
 * clearing its bit in `full` and handed back for a refill by setting it in
 * `empty`, so a refill never overwrites a pointer a handler is reading. */
#define POOL_SOCKS 64
static struct sock *pool[POOL_SOCKS];
static uint64_t pool_full, pool_empty = ~(uint64_t)0;
#define RESERVE_SOCKS 32
static struct sock reserve_socks[RESERVE_SOCKS];
static uint32_t reserve_free = ~0u;   /* bit i: reserve_socks[i] is free */
static struct sock *handler_new;      /* made in handlers, not on the list yet (by next) */

void socks_refill_pool(void) {
	uint64_t e = __atomic_load_n(&pool_empty, __ATOMIC_ACQUIRE);
	while (e) {
		int i = __builtin_ctzll(e);
		e &= e - 1;
		struct sock *s = malloc(sizeof *s);
		if (!s) return;
		__atomic_and_fetch(&pool_empty, ~((uint64_t)1 << i), __ATOMIC_ACQ_REL);
		pool[i] = s;
		__atomic_or_fetch(&pool_full, (uint64_t)1 << i, __ATOMIC_RELEASE);
	}
}

static struct sock *sock_from_reserve(void) {
	uint64_t f = __atomic_load_n(&pool_full, __ATOMIC_ACQUIRE);
	while (f) {
		int i = __builtin_ctzll(f);
		if (__atomic_compare_exchange_n(&pool_full, &f, f & ~((uint64_t)1 << i), true, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			struct sock *s = pool[i];
			__atomic_or_fetch(&pool_empty, (uint64_t)1 << i, __ATOMIC_RELEASE);
			if (__builtin_popcountll(f) <= POOL_SOCKS / 2) writer_kick();
			memset(s, 0, sizeof *s);
			return s;
		}
	}
	writer_kick();
	uint32_t r = __atomic_load_n(&reserve_free, __ATOMIC_ACQUIRE);
	while (r) {
		int i = __builtin_ctz(r);
		if (__atomic_compare_exchange_n(&reserve_free, &r, r & ~(1u << i), true, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			struct sock *s = &reserve_socks[i];
			memset(s, 0, sizeof *s);
			s->from_reserve = true;
			return s;
		}
	}
	return NULL;
}

static void sock_free(struct sock *s) {
	pthread_mutex_destroy(&s->lock);
	if (!s->from_reserve) {
		free(s);
		return;
	}
	unsigned i = (unsigned)(s - reserve_socks);
	__atomic_or_fetch(&reserve_free, 1u << i, __ATOMIC_ACQ_REL);
}

/* Lock held: the handlers' new records join the list. */
static void take_handler_new(void) {
	struct sock *s = __atomic_exchange_n(&handler_new, NULL, __ATOMIC_ACQUIRE), *next;
	for (; s; s = next) {
		next = s->next;
		s->next = socks;
		socks = s;
	}
}

struct sock *sock_new(const struct ev_sockinfo *info) {
	bool in_handler = tstate_in_handler();
	struct sock *s = in_handler ? sock_from_reserve() : calloc(1, sizeof *s);
	if (!s) {
		if (!in_handler) slog(LOG_ERROR, "out of memory: a socket will not be traced");
		else writer_count_dropped(1);
		return NULL;
	}
	s->info = *info;
	pthread_mutex_init(&s->lock, NULL);
	hazard_publish(1, s); /* another thread may close its fd while the caller records on it */
	if (in_handler) {
		/* No mkdir, no lock, no thread start here: the writer makes the
		 * directory when it writes this socket's events. */
		s->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
		struct sock *old = __atomic_load_n(&handler_new, __ATOMIC_RELAXED);
		do s->next = old;
		while (!__atomic_compare_exchange_n(&handler_new, &old, s, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
		return s;
	}
	/* The process directory is made with the first socket, so processes are
	 * numbered in the order they started tracing (a fork child's dir comes
	 * after its parent's). */
	procdir_get();
	pthread_mutex_lock(&socks_lock);
	s->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	s->next = socks;
	socks = s;
	pthread_mutex_unlock(&socks_lock);
	writer_ensure_started();
	if (UNLIKELY(__atomic_load_n(&pool_empty, __ATOMIC_RELAXED))) socks_refill_pool();
	return s;
}

void sock_mark_closed(struct sock *s, int64_t usec) {
	hazard_publish(1, s); /* the caller goes on using it (capture_stop) */
	__atomic_store_n(&s->closed_usec, usec, __ATOMIC_RELAXED);
	__atomic_store_n(&s->closed, true, __ATOMIC_RELEASE);
}

void sock_abandon(struct sock *s) { sock_mark_closed(s, 0); }

void socks_push_dirty(struct sock *s) {
	s->queued = true;
	struct sock *old = __atomic_load_n(&dirty, __ATOMIC_RELAXED);
	do s->dirty_next = old;
	while (!__atomic_compare_exchange_n(&dirty, &old, s, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

struct sock *socks_take_dirty(void) { return __atomic_exchange_n(&dirty, NULL, __ATOMIC_ACQUIRE); }

void socks_foreach_unlocked(void (*fn)(struct sock *, void *), void *arg) {
	for (struct sock *s = __atomic_load_n(&socks, __ATOMIC_ACQUIRE); s; s = s->next) fn(s, arg);
	for (struct sock *s = limbo; s; s = s->next) fn(s, arg);
	for (struct sock *s = __atomic_load_n(&handler_new, __ATOMIC_ACQUIRE); s; s = s->next) fn(s, arg);
}

void socks_foreach(void (*fn)(struct sock *, void *), void *arg) {
	pthread_mutex_lock(&socks_lock);
	take_handler_new();
	for (struct sock *s = socks; s; s = s->next) fn(s, arg);
	for (struct sock *s = limbo; s; s = s->next) fn(s, arg);
	pthread_mutex_unlock(&socks_lock);
}

/* Lock held. Whether s can go: closed, written, no fd, no capture, no
 * event waiting in the reserve. */
static bool finished(struct sock *s) {
	pthread_mutex_lock(&s->lock);
	bool dead = __atomic_load_n(&s->closed, __ATOMIC_ACQUIRE) && !s->head && !s->queued &&
		    __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) <= 0 && !s->capture &&
		    !__atomic_load_n(&s->pins, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&s->lock);
	return dead;
}

static bool named(struct sock *s, void **hz, long n) {
	long lo = 0, hi = n;
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if ((uintptr_t)hz[mid] < (uintptr_t)s) lo = mid + 1;
		else hi = mid;
	}
	return lo < n && hz[lo] == s;
}

void socks_reap(int64_t now_usec) {
	/* Each reap visits every socket: once a second is enough. */
	static int64_t last_reap_usec;
	if (now_usec - last_reap_usec < REAP_EVERY_USEC) return;
	last_reap_usec = now_usec;
	/* Finished records leave the list for limbo... */
	pthread_mutex_lock(&socks_lock);
	take_handler_new();
	for (struct sock **pp = &socks; *pp;) {
		struct sock *s = *pp;
		if (finished(s)) {
			*pp = s->next;
			s->next = limbo;
			limbo = s;
		} else {
			pp = &s->next;
		}
	}
	bool any = limbo != NULL;
	pthread_mutex_unlock(&socks_lock);
	if (!any) return;
	/* ...and are freed once no thread names them: a thread can name a
	 * record only while an fd refers to it, so one named by none now never
	 * will be again. */
	static void **hz;
	static long hz_cap;
	long n;
	hazard_sync();
	while ((n = hazard_collect(hz, hz_cap)) < 0) {
		long cap = hz_cap ? hz_cap * 2 : 256;
		void **p = realloc(hz, (size_t)cap * sizeof *p);
		if (!p) return;
		hz = p;
		hz_cap = cap;
	}
	pthread_mutex_lock(&socks_lock);
	for (struct sock **pp = &limbo; *pp;) {
		struct sock *s = *pp;
		if (finished(s) && !named(s, hz, n)) {
			*pp = s->next;
			sock_free(s);
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&socks_lock);
}

int socks_count(void) { return __atomic_load_n(&next_id, __ATOMIC_RELAXED); }

void socks_prepare_fork(void) {
	pthread_mutex_lock(&socks_lock);
	pthread_mutex_lock(&spare_lock);
}

void socks_parent_after_fork(void) {
	pthread_mutex_unlock(&spare_lock);
	pthread_mutex_unlock(&socks_lock);
}

void socks_reset_after_fork(void) {
	/* The parent's records may be mid-update by threads that do not exist
	 * here: leave them untouched (never freed) and start over. */
	pthread_mutex_init(&socks_lock, NULL);
	socks = NULL;
	dirty = NULL;
	handler_new = NULL;
	limbo = NULL;
	/* Reserve records the parent was using stay claimed here (leaked in
	 * the child, like the rest of the parent's list). */
	pthread_mutex_init(&spare_lock, NULL); /* the spare chunks stay valid */
	next_id = 0;
}

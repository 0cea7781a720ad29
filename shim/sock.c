#include "sock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "log.h"
#include "real.h"
#include "writer.h"

static pthread_mutex_t socks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sock *socks;
static struct sock *dirty; /* the dirty stack (sock.h) */
static int next_id;

/* How long a closed record outlives its close before it is freed: another
 * thread that looked the fd up just before the close may still be recording
 * on it for a moment. */
#define REAP_GRACE_USEC 2000000

#define SPARE_CHUNKS_MAX 1024 /* 1.4 MB at most; a pass frees a few hundred */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *spare; /* linked by next */
static unsigned nspare;

struct chunk *chunk_alloc(uint32_t cap) {
	struct chunk *c = NULL;
	if (cap == CHUNK_FIRST_EVENTS && __atomic_load_n(&nspare, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&spare_lock);
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
	if (c->cap == CHUNK_FIRST_EVENTS) {
		pthread_mutex_lock(&spare_lock);
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

int sock_classify(int fd, struct ev_sockinfo *info) {
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

struct sock *sock_new(const struct ev_sockinfo *info) {
	struct sock *s = calloc(1, sizeof *s);
	if (!s) {
		slog(LOG_ERROR, "out of memory: a socket will not be traced");
		return NULL;
	}
	s->info = *info;
	pthread_mutex_init(&s->lock, NULL);
	/* The process directory is made with the first socket, so processes are
	 * numbered in the order they started tracing (a fork child's dir comes
	 * after its parent's). */
	procdir_get();
	pthread_mutex_lock(&socks_lock);
	s->id = next_id++;
	s->next = socks;
	socks = s;
	pthread_mutex_unlock(&socks_lock);
	writer_ensure_started();
	return s;
}

void sock_abandon(struct sock *s) {
	pthread_mutex_lock(&s->lock);
	s->closed = true;
	s->closed_usec = 0;
	pthread_mutex_unlock(&s->lock);
}

void socks_push_dirty(struct sock *s) {
	s->queued = true;
	struct sock *old = __atomic_load_n(&dirty, __ATOMIC_RELAXED);
	do s->dirty_next = old;
	while (!__atomic_compare_exchange_n(&dirty, &old, s, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

struct sock *socks_take_dirty(void) { return __atomic_exchange_n(&dirty, NULL, __ATOMIC_ACQUIRE); }

void socks_foreach(void (*fn)(struct sock *, void *), void *arg) {
	pthread_mutex_lock(&socks_lock);
	for (struct sock *s = socks; s; s = s->next) fn(s, arg);
	pthread_mutex_unlock(&socks_lock);
}

void socks_reap(int64_t now_usec) {
	/* Each reap visits every socket; closed ones wait REAP_GRACE_USEC
	 * anyway, so more than one reap a second would free nothing sooner. */
	static int64_t last_reap_usec;
	if (now_usec - last_reap_usec < REAP_GRACE_USEC / 2) return;
	last_reap_usec = now_usec;
	pthread_mutex_lock(&socks_lock);
	for (struct sock **pp = &socks; *pp;) {
		struct sock *s = *pp;
		pthread_mutex_lock(&s->lock);
		bool dead = s->closed && !s->head && !s->queued && now_usec - s->closed_usec > REAP_GRACE_USEC &&
			    __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) <= 0 && !s->capture;
		pthread_mutex_unlock(&s->lock);
		if (dead) {
			*pp = s->next;
			pthread_mutex_destroy(&s->lock);
			free(s);
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&socks_lock);
}

int socks_count(void) {
	pthread_mutex_lock(&socks_lock);
	int n = next_id;
	pthread_mutex_unlock(&socks_lock);
	return n;
}

void socks_reset_after_fork(void) {
	/* The parent's records may be mid-update by threads that do not exist
	 * here: leave them untouched (never freed) and start over. */
	pthread_mutex_init(&socks_lock, NULL);
	socks = NULL;
	dirty = NULL;
	pthread_mutex_init(&spare_lock, NULL); /* the spare chunks stay valid */
	next_id = 0;
}

/* Each registration is one node, found three ways, each O(1):
 *  - by (epfd, data), for epoll_wait: a chained hash table, doubled when it
 *    holds more nodes than buckets;
 *  - by fd, for EPOLL_CTL_MOD/DEL and for a close of the socket: a list per
 *    fd number (as long as the number of epoll sets the fd is in, usually 1);
 *  - by epfd, for a close of the epoll instance: a list per epfd number.
 * The per-number list heads live in a two-level array like the fd table's,
 * so a close of an fd with no registration reads one slot and takes no lock.
 * Only traced sockets are entered. */
#include "epoll_map.h"

#include <pthread.h>
#include <stdlib.h>

#include "fdtable.h"
#include "log.h"

struct node {
	int epfd, fd;
	uint64_t data;
	struct node *hnext, **hprev; /* hash chain of (epfd, data) */
	struct node *fnext, **fprev; /* registrations of fd */
	struct node *enext, **eprev; /* registrations in epfd */
};

struct heads {
	struct node *as_fd; /* nodes whose fd is this number */
	struct node *as_ep; /* nodes whose epfd is this number */
};

#define HBLOCK_SIZE (1u << FDT_BLOCK_BITS)
static struct heads *hblocks[FDT_NBLOCKS];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Set while this thread holds lock: a signal handler that interrupted it
 * and closes an fd or calls epoll_ctl must not wait for it (the map entry
 * stays, as if the fd had not been seen closed). */
#ifdef __ANDROID__
static __thread int holding;
#else
static __thread __attribute__((tls_model("initial-exec"))) int holding;
#endif

static bool take(void) {
	if (holding) return false;
	pthread_mutex_lock(&lock);
	holding = 1;
	return true;
}

static void release(void) {
	holding = 0;
	pthread_mutex_unlock(&lock);
}
static struct node **buckets;
static size_t nbuckets, count, high_water;

static struct heads *heads_of(int fd, bool create) {
	if (fd < 0 || ((unsigned)fd >> FDT_BLOCK_BITS) >= FDT_NBLOCKS) return NULL;
	struct heads **b = &hblocks[(unsigned)fd >> FDT_BLOCK_BITS];
	struct heads *blk = __atomic_load_n(b, __ATOMIC_ACQUIRE);
	if (!blk && create) { /* under lock: no race with another creator */
		blk = calloc(HBLOCK_SIZE, sizeof *blk);
		if (blk) __atomic_store_n(b, blk, __ATOMIC_RELEASE);
	}
	return blk ? &blk[(unsigned)fd & (HBLOCK_SIZE - 1)] : NULL;
}

static size_t hash(int epfd, uint64_t data) {
	uint64_t h = data * 0x9E3779B97F4A7C15ull ^ (uint64_t)(unsigned)epfd * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29));
}

#define LINK(head, n, next, prev)                 \
	do {                                      \
		(n)->next = *(head);              \
		if ((n)->next) (n)->next->prev = &(n)->next; \
		(n)->prev = (head);               \
		__atomic_store_n((head), (n), __ATOMIC_RELEASE); \
	} while (0)
#define UNLINK(n, next, prev)                      \
	do {                                       \
		__atomic_store_n((n)->prev, (n)->next, __ATOMIC_RELEASE); \
		if ((n)->next) (n)->next->prev = (n)->prev; \
	} while (0)

static void hash_link(struct node *n) {
	LINK(&buckets[hash(n->epfd, n->data) & (nbuckets - 1)], n, hnext, hprev);
}

static void grow(void) {
	size_t ncap = nbuckets ? nbuckets * 2 : 64;
	struct node **nb = calloc(ncap, sizeof *nb);
	if (!nb) return; /* chains just get longer */
	struct node **old = buckets;
	size_t ocap = nbuckets;
	buckets = nb;
	nbuckets = ncap;
	for (size_t i = 0; i < ocap; i++) {
		struct node *n = old[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			hash_link(n);
		}
	}
	free(old);
}

static void drop(struct node *n) {
	UNLINK(n, hnext, hprev);
	UNLINK(n, fnext, fprev);
	UNLINK(n, enext, eprev);
	free(n);
	count--;
}

static struct node *find(struct heads *h, int epfd) {
	for (struct node *n = h ? h->as_fd : NULL; n; n = n->fnext)
		if (n->epfd == epfd) return n;
	return NULL;
}

void epoll_map_set(int epfd, uint64_t data, int fd) {
	bool new_high = false;
	if (!take()) return;
	struct heads *hf = heads_of(fd, true), *he = heads_of(epfd, true);
	struct node *n = find(hf, epfd);
	if (n) { /* MOD, or ADD over a registration we missed the end of */
		if (n->data != data) {
			UNLINK(n, hnext, hprev);
			n->data = data;
			hash_link(n);
		}
	} else if (hf && he && (count + 1 <= nbuckets || (grow(), nbuckets)) && (n = malloc(sizeof *n))) {
		n->epfd = epfd;
		n->fd = fd;
		n->data = data;
		hash_link(n);
		LINK(&hf->as_fd, n, fnext, fprev);
		LINK(&he->as_ep, n, enext, eprev);
		if (++count > high_water) {
			high_water = count;
			new_high = (count & (count - 1)) == 0;
		}
	}
	size_t c = count;
	release();
	/* Powers of two only: how big the map ever got, for the tests. */
	if (new_high) slog(LOG_DEBUG, "epoll map: %zu registrations", c);
}

void epoll_map_del(int epfd, int fd) {
	if (!take()) return;
	struct node *n = find(heads_of(fd, false), epfd);
	if (n) drop(n);
	release();
}

int epoll_map_get(int epfd, uint64_t data) {
	int fd = -1;
	if (!take()) return -1;
	if (nbuckets)
		for (struct node *n = buckets[hash(epfd, data) & (nbuckets - 1)]; n; n = n->hnext)
			if (n->epfd == epfd && n->data == data) {
				fd = n->fd;
				break;
			}
	release();
	return fd;
}

void epoll_map_forget_fd(int fd) {
	struct heads *h = heads_of(fd, false);
	if (LIKELY(!h) || (!__atomic_load_n(&h->as_fd, __ATOMIC_ACQUIRE) && !__atomic_load_n(&h->as_ep, __ATOMIC_ACQUIRE)))
		return;
	if (!take()) return;
	while (h->as_fd) drop(h->as_fd);
	while (h->as_ep) drop(h->as_ep);
	release();
}

void epoll_map_forget_range(unsigned lo, unsigned hi) {
	if (!__atomic_load_n(&count, __ATOMIC_RELAXED) || !take()) return;
	for (unsigned b = lo >> FDT_BLOCK_BITS; b < FDT_NBLOCKS && b <= (hi >> FDT_BLOCK_BITS); b++) {
		struct heads *blk = hblocks[b];
		for (unsigned i = 0; blk && i < HBLOCK_SIZE; i++) {
			unsigned fd = (b << FDT_BLOCK_BITS) | i;
			if (fd < lo || fd > hi) continue;
			while (blk[i].as_fd) drop(blk[i].as_fd);
			while (blk[i].as_ep) drop(blk[i].as_ep);
		}
	}
	release();
}

void epoll_map_prepare_fork(void) { pthread_mutex_lock(&lock); }
void epoll_map_parent_after_fork(void) { pthread_mutex_unlock(&lock); }

void epoll_map_reset_after_fork(void) { pthread_mutex_init(&lock, NULL); }

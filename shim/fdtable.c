/* A two-level table of atomic entries: 4096 blocks of 1024 fds, blocks
 * allocated on first use. fds past 4M (rare) are not traced. */
#include "fdtable.h"

#include <stdlib.h>

#include "record.h"

#define BLOCK_BITS FDT_BLOCK_BITS
#define BLOCK_SIZE (1u << BLOCK_BITS)
#define NBLOCKS FDT_NBLOCKS

/* The first block is static: a hook reached from inside the program's
 * allocator while it starts (jemalloc closes a file under its init lock)
 * must not call that allocator to cache the answer. */
static uintptr_t block0[BLOCK_SIZE];
uintptr_t *tcpsnitch_fd_blocks[NBLOCKS] = {block0};
#define blocks tcpsnitch_fd_blocks

static uintptr_t *slot(int fd, bool create) {
	if (fd < 0) return NULL;
	unsigned b = (unsigned)fd >> BLOCK_BITS;
	if (b >= NBLOCKS) return NULL;
	uintptr_t *blk = __atomic_load_n(&blocks[b], __ATOMIC_ACQUIRE);
	if (UNLIKELY(!blk)) {
		if (!create) return NULL;
		uintptr_t *fresh = calloc(BLOCK_SIZE, sizeof *fresh);
		if (!fresh) return NULL;
		uintptr_t *expected = NULL;
		if (__atomic_compare_exchange_n(&blocks[b], &expected, fresh, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			blk = fresh;
		} else {
			free(fresh);
			blk = expected;
		}
	}
	return &blk[(unsigned)fd & (BLOCK_SIZE - 1)];
}


/* In a fork child (one thread, fresh locks): each fd that referred to one
 * of the parent's records gets the child's own, starting with a
 * forked_socket event, in fd order; fds that shared a record (dup) share
 * the new one. */
void fdt_fork_child(void) {
	/* forked_to may hold what our parent made in its own fork child. */
	for (unsigned b = 0; b < NBLOCKS; b++)
		for (unsigned i = 0; blocks[b] && i < BLOCK_SIZE; i++)
			if (blocks[b][i] > FD_CLOSING) ((struct sock *)blocks[b][i])->forked_to = NULL;
	for (unsigned b = 0; b < NBLOCKS; b++) {
		for (unsigned i = 0; blocks[b] && i < BLOCK_SIZE; i++) {
			uintptr_t v = blocks[b][i];
			if (v <= FD_CLOSING) continue;
			struct sock *old = (struct sock *)v, *s = old->forked_to;
			int fd = (int)((b << BLOCK_BITS) | i);
			if (!s) {
				s = sock_new(&old->info);
				if (!s) {
					blocks[b][i] = FD_IGNORED;
					continue;
				}
				old->forked_to = s;
				record_found_event(s, EV_FORKED_SOCKET, fd, &old->info);
			}
			s->refs++;
			blocks[b][i] = (uintptr_t)s;
		}
	}
}

struct sock *fdt_get_slow(int fd, uintptr_t v) {
	if (v != FD_UNKNOWN || fd < 0) return NULL;

	/* First use of this fd: one classification, then cached. */
	int saved = errno;
	struct ev_sockinfo info;
	/* As shim code: its getsockopt/fcntl calls must not take the place of
	 * the program's call being recorded as the start of its duration. */
	int was_in_shim = tstate_get()->in_shim;
	tstate_get()->in_shim = 1;
	int kind = sock_classify(fd, &info);
	tstate_get()->in_shim = was_in_shim;
	errno = saved;
	uintptr_t *p = slot(fd, true);
	if (!p) return NULL;
	if (kind != FD_KIND_INET) {
		/* A bad fd is not cached: it may be opened later. */
		if (kind == FD_KIND_OTHER) {
			uintptr_t expected = FD_UNKNOWN;
			__atomic_compare_exchange_n(p, &expected, FD_IGNORED, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
		}
		return NULL;
	}
	/* An internet socket we did not see created: inherited, received over
	 * a unix socket, or made by a raw system call. */
	struct sock *s = sock_new(&info);
	if (!s) return NULL;
	__atomic_store_n(&s->refs, 1, __ATOMIC_RELAXED);
	uintptr_t expected = FD_UNKNOWN;
	if (!__atomic_compare_exchange_n(p, &expected, (uintptr_t)s, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Another thread classified it first; ours stays an empty,
		 * closed record that the writer frees. */
		sock_abandon(s);
		return expected > FD_CLOSING ? (struct sock *)expected : NULL;
	}
	record_found_event(s, EV_GHOST_SOCKET, fd, &info);
	return s;
}

void fdt_set(int fd, struct sock *s) {
	uintptr_t *p = slot(fd, true);
	if (p) __atomic_store_n(p, (uintptr_t)s, __ATOMIC_RELEASE);
}

void fdt_ignore(int fd) {
	uintptr_t *p = slot(fd, true);
	if (p) __atomic_store_n(p, FD_IGNORED, __ATOMIC_RELEASE);
}

uintptr_t fdt_renew(int fd, uintptr_t v) {
	uintptr_t *p = slot(fd, false);
	if (!p) return FD_UNKNOWN;
	if (__atomic_load_n(p, __ATOMIC_RELAXED) == v) return v; /* no store to a shared line */
	return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL);
}

uintptr_t fdt_take(int fd) {
	uintptr_t *p = slot(fd, false);
	if (!p) return FD_UNKNOWN;
	return __atomic_exchange_n(p, FD_CLOSING, __ATOMIC_ACQ_REL);
}

void fdt_forget(int fd) {
	uintptr_t *p = slot(fd, false);
	if (!p) return;
	/* Only if nobody stored a new socket on fd since our real close. */
	uintptr_t expected = FD_CLOSING;
	__atomic_compare_exchange_n(p, &expected, FD_UNKNOWN, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void fdt_foreach_sock(unsigned lo, unsigned hi, void (*fn)(int, struct sock *, void *), void *arg) {
	for (unsigned b = lo >> BLOCK_BITS; b < NBLOCKS && b <= (hi >> BLOCK_BITS); b++) {
		uintptr_t *blk = __atomic_load_n(&blocks[b], __ATOMIC_ACQUIRE);
		if (!blk) continue;
		for (unsigned i = 0; i < BLOCK_SIZE; i++) {
			unsigned fd = (b << BLOCK_BITS) | i;
			if (fd < lo || fd > hi) continue;
			uintptr_t v = __atomic_load_n(&blk[i], __ATOMIC_ACQUIRE);
			if (v > FD_CLOSING) fn((int)fd, (struct sock *)v, arg);
		}
	}
}

void fdt_forget_range(unsigned lo, unsigned hi) {
	for (unsigned b = lo >> BLOCK_BITS; b < NBLOCKS && b <= (hi >> BLOCK_BITS); b++) {
		uintptr_t *blk = __atomic_load_n(&blocks[b], __ATOMIC_ACQUIRE);
		if (!blk) continue;
		for (unsigned i = 0; i < BLOCK_SIZE; i++) {
			unsigned fd = (b << BLOCK_BITS) | i;
			if (fd < lo || fd > hi) continue;
			uintptr_t expected = FD_IGNORED;
			__atomic_compare_exchange_n(&blk[i], &expected, FD_UNKNOWN, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
		}
	}
}

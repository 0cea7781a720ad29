/* fd -> traced socket, classified once per fd and kept current by the hooks
 * that create, copy and close fds. A lookup is an array read: no system call
 * on the hot path of a known fd. */
#ifndef TCPSNITCH_FDTABLE_H
#define TCPSNITCH_FDTABLE_H

#include "sock.h"

/* Entry values besides a struct sock pointer. */
#define FD_UNKNOWN ((uintptr_t)0)   /* never seen: classify on first use */
#define FD_IGNORED ((uintptr_t)1)   /* not an internet socket */
#define FD_CLOSING ((uintptr_t)2)   /* being closed by another thread */

#define FDT_BLOCK_BITS 10
#define FDT_NBLOCKS 4096u
extern uintptr_t *tcpsnitch_fd_blocks[FDT_NBLOCKS];

/* Only the cached value, never a system call (hooks that must not classify). */
static inline uintptr_t fdt_peek(int fd) {
	if (UNLIKELY(fd < 0 || ((unsigned)fd >> FDT_BLOCK_BITS) >= FDT_NBLOCKS)) return FD_UNKNOWN;
	uintptr_t *blk = __atomic_load_n(&tcpsnitch_fd_blocks[(unsigned)fd >> FDT_BLOCK_BITS], __ATOMIC_ACQUIRE);
	if (UNLIKELY(!blk)) return FD_UNKNOWN;
	return __atomic_load_n(&blk[(unsigned)fd & ((1u << FDT_BLOCK_BITS) - 1)], __ATOMIC_ACQUIRE);
}

struct sock *fdt_get_slow(int fd, uintptr_t v);

/* The socket behind fd, classifying an unknown fd the first time it is used
 * (a socket first seen this way gets a ghost_socket event). NULL if fd is
 * not a traced socket. Inline: every read() and write() of the program
 * comes here. */
static inline struct sock *fdt_get(int fd) {
	uintptr_t v = fdt_peek(fd);
	if (LIKELY(v > FD_CLOSING)) return (struct sock *)v;
	if (LIKELY(v == FD_IGNORED)) return NULL;
	return fdt_get_slow(fd, v);
}
/* Fork child: each socket fd gets the child's own record, starting with a
 * forked_socket event; fds that shared a record share the new one. */
void fdt_fork_child(void);
void fdt_set(int fd, struct sock *s); /* new socket or copy on fd */
void fdt_ignore(int fd);              /* fd known not to be traced */
/* Takes the socket off fd before the real close, so a new socket that
 * reuses fd number cannot get the close. Returns what was there. */
uintptr_t fdt_take(int fd);
/* After the real close: fd may be anything next time. */
void fdt_forget(int fd);
/* After close_range/closefrom: every fd in [lo, hi] is unknown again. */
void fdt_forget_range(unsigned lo, unsigned hi);
/* Stores v on fd if its block exists (else fd stays unknown: nothing is
 * cached for it) and returns what was there. */
uintptr_t fdt_renew(int fd, uintptr_t v);
/* The kernel just handed out fd (open, pipe, accept, a descriptor received
 * over a unix socket...): whatever the table or the epoll map held for that
 * number is stale. v: FD_IGNORED when the call cannot return an internet
 * socket, FD_UNKNOWN to classify it on first use. No system call, no
 * allocation; nothing before the shim is ready. In hooks_fd.c. */
void fd_fresh(int fd, uintptr_t v);
/* Calls fn for every fd that refers to a socket (close_range). */
void fdt_foreach_sock(unsigned lo, unsigned hi, void (*fn)(int fd, struct sock *, void *), void *arg);

#endif

/* The shim's own fds (the trace files while they are written, the
 * capture's packet socket) kept out of the program's way: moved to high
 * numbers (just under the fd limit, at most ~1000: the kernel gives the
 * program the lowest free number, so it never meets them), close-on-exec,
 * and registered so the fd hooks can keep the program's close, dup2,
 * close_range and closefrom from breaking them, and so the shim never
 * closes a number the program has since taken.
 *
 * A program may still aim at those numbers on purpose (dup2 onto any number
 * is legal), while the writer thread is using one:
 * - dup2/dup3 onto a trace file's number: the file first moves to another
 *   number, and the call waits for a write in flight on the old one;
 * - dup2/dup3 onto the capture's socket: the capture stops (libpcap keeps
 *   the number itself);
 * - close: EBADF, as for a number the program never opened.
 * A single-threaded program's dup2 or close may also race the writer
 * opening a file on that very number: the hooks announce such calls
 * ("intents") and a file opened under one is checked and reopened. */
#ifndef TCPSNITCH_OWNFD_H
#define TCPSNITCH_OWNFD_H

#include <stddef.h>

#include "shim.h"

#define OWNFD_MAX 16
extern int tcpsnitch_ownfd_count;
extern int tcpsnitch_ownfds[OWNFD_MAX];
extern int tcpsnitch_ownfd_floor;

/* Whether fd is one of the shim's (one load when the shim has none). */
static inline bool ownfd_is(int fd) {
	if (LIKELY(!__atomic_load_n(&tcpsnitch_ownfd_count, __ATOMIC_RELAXED))) return false;
	for (int i = 0; i < OWNFD_MAX; i++)
		if (fd >= 0 && __atomic_load_n(&tcpsnitch_ownfds[i], __ATOMIC_ACQUIRE) == fd) return true;
	return false;
}

/* Whether a close or dup2 of the program on [lo, hi] may meet a number
 * the shim uses or is about to use (then it goes through an intent). */
static inline bool ownfd_may_meet(unsigned lo, unsigned hi) {
	(void)lo;
	return hi >= (unsigned)__atomic_load_n(&tcpsnitch_ownfd_floor, __ATOMIC_SEQ_CST);
}

/* At the shim's start (one thread): the lowest number it will use. */
void ownfd_init(void);
/* In a fork child: the other threads' writes and intents are not there. */
void ownfd_reset_after_fork(void);

/* A trace file of the shim. Its number may change under it (see above),
 * so it is used through these calls only. */
struct ownfile {
	int slot; /* in the table; -1: not registered (table full), fd as is */
	int fd;
};

/* open() for a trace file: false (errno set) if it cannot be opened. */
bool ownfile_open(struct ownfile *f, const char *path, int flags, int mode);
/* Writes all of p (false, errno set, on failure). */
bool ownfile_write(struct ownfile *f, const char *p, size_t n);
/* Closes the file; f is then closed (fd -1). */
void ownfile_close(struct ownfile *f);
static inline bool ownfile_is_open(const struct ownfile *f) { return f->fd >= 0; }

/* A new fd the shim did not open itself (libpcap's packet socket): moved
 * to a high number and registered; returns the fd to use. Never moved
 * again: its owner keeps the number. */
int ownfd_adopt(int fd);
/* Closes an adopted fd and forgets it. */
int ownfd_close(int fd);
/* close(fd) of one of the shim's fds: the shim's own (libpcap's, with
 * in_shim set) closes and forgets it; the program's gets EBADF, as for a
 * number it never opened. */
int ownfd_hook_close(int fd);

/* A close or dup2 of the program on [lo, hi] (when ownfd_may_meet):
 * announced before the hook looks at the numbers, ended after the real
 * call. Returns a token for ownfd_intent_end. */
int ownfd_intent_begin(unsigned lo, unsigned hi);
void ownfd_intent_end(int token);

/* Whether the program's close of fd (announced as intent, or -1) meets
 * one of the shim's fds: ownfd_is, after waiting for a file just opened
 * there to be checked. */
bool ownfd_claims(int fd, int intent);

/* The program is about to dup2/dup3 onto fd: if it is a trace file, the
 * file moves to another number and true is returned: fd is then a spare
 * copy of it, which the caller closes if the program's call fails. The
 * capture's socket is let go (the capture stops). */
bool ownfd_yield(int fd);

/* Calls fn on each part of [lo, hi] that holds none of the shim's fds, in
 * order; returns the first failure of fn, else 0. */
int ownfd_split_range(unsigned lo, unsigned hi, int (*fn)(unsigned lo, unsigned hi, void *arg), void *arg);

#endif

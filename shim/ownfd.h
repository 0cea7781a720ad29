/* The shim's own fds (the capture's packet socket, the trace files while
 * the writer appends to them) kept out of the program's way: moved to high
 * numbers (just under the fd limit, at most ~1000: the kernel gives the
 * program the lowest free number, so it never meets them), close-on-exec,
 * and registered so the fd hooks can keep the program's close, dup2,
 * close_range and closefrom from breaking them, and so the shim never
 * closes a number the program has since taken. */
#ifndef TCPSNITCH_OWNFD_H
#define TCPSNITCH_OWNFD_H

#include "shim.h"

#define OWNFD_MAX 8
extern int tcpsnitch_ownfd_count;
extern int tcpsnitch_ownfds[OWNFD_MAX];

/* Whether fd is one of the shim's (one load when the shim has none). */
static inline bool ownfd_is(int fd) {
	if (LIKELY(!__atomic_load_n(&tcpsnitch_ownfd_count, __ATOMIC_RELAXED))) return false;
	for (int i = 0; i < OWNFD_MAX; i++)
		if (fd >= 0 && __atomic_load_n(&tcpsnitch_ownfds[i], __ATOMIC_ACQUIRE) == fd) return true;
	return false;
}

/* Moves a new fd of the shim to a high number and registers it; returns
 * the fd to use (fd itself when it cannot be moved). */
int ownfd_adopt(int fd);
/* open() for the shim's own files: the fd is adopted. */
int ownfd_open(const char *path, int flags, int mode);
/* Closes an fd of the shim and forgets it. */
int ownfd_close(int fd);
/* close(fd) of one of the shim's fds: the shim's own (libpcap's, with
 * in_shim set) closes and forgets it; the program's gets EBADF, as for a
 * number it never opened. */
int ownfd_hook_close(int fd);
/* Forgets fd without closing it (closed by someone else, or taken). */
void ownfd_forget(int fd);
/* The program is about to take fd's number (dup2/dup3 onto it): the shim
 * lets go of it (the capture stops), then forgets it. */
void ownfd_surrender(int fd);
/* Calls fn on each part of [lo, hi] that holds none of the shim's fds, in
 * order; returns the first failure of fn, else 0. */
int ownfd_split_range(unsigned lo, unsigned hi, int (*fn)(unsigned lo, unsigned hi, void *arg), void *arg);

#endif

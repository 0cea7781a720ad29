#include "ownfd.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "capture.h"
#include "real.h"
#include "tstate.h"

int tcpsnitch_ownfd_count;
int tcpsnitch_ownfds[OWNFD_MAX] = {-1, -1, -1, -1, -1, -1, -1, -1};
#define count tcpsnitch_ownfd_count
#define fds tcpsnitch_ownfds

/* Lowest number for the shim's fds: 32 under the soft limit, at most
 * 1024 - 32 (a kernel fd table past 1024 entries costs the program memory). */
static int high_base(void) {
	struct rlimit rl;
	long lim = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < lim)
		lim = (long)rl.rlim_cur;
	return lim > 96 ? (int)lim - 32 : -1;
}

static void remember(int fd) {
	for (int i = 0; i < OWNFD_MAX; i++) {
		int expected = -1;
		if (__atomic_compare_exchange_n(&fds[i], &expected, fd, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_add_fetch(&count, 1, __ATOMIC_RELEASE);
			return;
		}
	}
	/* More than OWNFD_MAX at once: this one stays unprotected (high all
	 * the same). */
}

int ownfd_adopt(int fd) {
	if (fd < 0) return fd;
	int base = high_base(), moved = base > 0 && fd < base ? REAL(fcntl)(fd, F_DUPFD_CLOEXEC, base) : -1;
	if (moved >= 0) {
		REAL(close)(fd);
		fd = moved;
	} else {
		REAL(fcntl)(fd, F_SETFD, FD_CLOEXEC);
	}
	remember(fd);
	return fd;
}

int ownfd_open(const char *path, int flags, int mode) {
	int fd = open(path, flags | O_CLOEXEC, mode);
	return ownfd_adopt(fd);
}

void ownfd_forget(int fd) {
	for (int i = 0; i < OWNFD_MAX; i++) {
		int expected = fd;
		if (fd >= 0 &&
		    __atomic_compare_exchange_n(&fds[i], &expected, -1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_sub_fetch(&count, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

int ownfd_close(int fd) {
	ownfd_forget(fd);
	return REAL(close)(fd);
}

int ownfd_hook_close(int fd) {
	if (tstate_get()->in_shim) return ownfd_close(fd);
	errno = EBADF;
	return -1;
}

void ownfd_surrender(int fd) {
	capture_surrender_fd(fd);
	ownfd_forget(fd);
}

int ownfd_split_range(unsigned lo, unsigned hi, int (*fn)(unsigned, unsigned, void *), void *arg) {
	unsigned from = lo;
	for (;;) {
		/* The lowest own fd in [from, hi]. */
		unsigned next = ~0u;
		bool found = false;
		for (int i = 0; i < OWNFD_MAX; i++) {
			int f = __atomic_load_n(&fds[i], __ATOMIC_ACQUIRE);
			if (f >= 0 && (unsigned)f >= from && (unsigned)f <= hi && (unsigned)f <= next) {
				next = (unsigned)f;
				found = true;
			}
		}
		if (!found) return fn(from, hi, arg);
		if (next > from) {
			int rc = fn(from, next - 1, arg);
			if (rc) return rc;
		}
		if (next == hi) return 0;
		from = next + 1;
	}
}

/* Hooks: calls that hand out a new fd other than a socket (open*, creat,
 * pipe, epoll_create, eventfd, signalfd, timerfd_create, memfd_create,
 * inotify_init, fopen, freopen). Each only tells the fd table that the
 * number is fresh (fd_fresh): an fd closed where no hook saw it (inside
 * libc, by a raw system call) must not keep its socket, nor a number that
 * once held a file its "not a socket" (a socket may arrive there later).
 * None records anything: these fds are never internet sockets. */
#include <fcntl.h>
#include <stdarg.h>

#include "real.h"
#include "record.h"

static inline int fresh(int fd) {
	if (fd >= 0) fd_fresh(fd, FD_IGNORED);
	return fd;
}

static inline FILE *fresh_file(FILE *f) {
	if (f) {
		int saved = errno;
		fresh(fileno(f));
		errno = saved;
	}
	return f;
}

/* A libc without the function never calls it: this only guards a program
 * that found the symbol elsewhere. */
#define CALL_REAL(name, ...) (real_fns.name || (real_init(), real_fns.name) ? real_fns.name(__VA_ARGS__) : (errno = ENOSYS, -1))

#ifndef O_TMPFILE
#define O_TMPFILE 0
#endif
/* The mode argument exists only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode)                                                   \
	mode_t mode = 0;                                                        \
	if ((flags) & (O_CREAT | O_TMPFILE)) {                                  \
		va_list ap;                                                     \
		va_start(ap, flags);                                            \
		mode = (mode_t)va_arg(ap, int);                                 \
		va_end(ap);                                                     \
	}

EXPORT int open(const char *path, int flags, ...) {
	MODE_ARG(flags, mode);
	return fresh(CALL_REAL(open, path, flags, mode));
}

EXPORT int open64(const char *path, int flags, ...) {
	MODE_ARG(flags, mode);
	return fresh(CALL_REAL(open64, path, flags, mode));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...) {
	MODE_ARG(flags, mode);
	return fresh(CALL_REAL(openat, dirfd, path, flags, mode));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
	MODE_ARG(flags, mode);
	return fresh(CALL_REAL(openat64, dirfd, path, flags, mode));
}

EXPORT int creat(const char *path, mode_t mode) { return fresh(CALL_REAL(creat, path, mode)); }

EXPORT int creat64(const char *path, mode_t mode) { return fresh(CALL_REAL(creat64, path, mode)); }

/* _FORTIFY_SOURCE entry points (flags not known at compile time). */
EXPORT int __open_2(const char *path, int flags) { return fresh(CALL_REAL(__open_2, path, flags)); }

EXPORT int __open64_2(const char *path, int flags) { return fresh(CALL_REAL(__open64_2, path, flags)); }

EXPORT int __openat_2(int dirfd, const char *path, int flags) {
	return fresh(CALL_REAL(__openat_2, dirfd, path, flags));
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
	return fresh(CALL_REAL(__openat64_2, dirfd, path, flags));
}

static int fresh_pair(int ret, const int fds[2]) {
	if (ret == 0) {
		fresh(fds[0]);
		fresh(fds[1]);
	}
	return ret;
}

EXPORT int pipe(int fds[2]) { return fresh_pair(CALL_REAL(pipe, fds), fds); }

EXPORT int pipe2(int fds[2], int flags) { return fresh_pair(CALL_REAL(pipe2, fds, flags), fds); }

EXPORT int epoll_create(int size) { return fresh(CALL_REAL(epoll_create, size)); }

EXPORT int epoll_create1(int flags) { return fresh(CALL_REAL(epoll_create1, flags)); }

EXPORT int eventfd(unsigned int initval, int flags) { return fresh(CALL_REAL(eventfd, initval, flags)); }

EXPORT int signalfd(int fd, const sigset_t *mask, int flags) { return fresh(CALL_REAL(signalfd, fd, mask, flags)); }

EXPORT int timerfd_create(int clockid, int flags) { return fresh(CALL_REAL(timerfd_create, clockid, flags)); }

EXPORT int memfd_create(const char *name, unsigned int flags) { return fresh(CALL_REAL(memfd_create, name, flags)); }

EXPORT int inotify_init(void) { return fresh(CALL_REAL(inotify_init)); }

EXPORT int inotify_init1(int flags) { return fresh(CALL_REAL(inotify_init1, flags)); }

#define CALL_REAL_FILE(name, ...) (real_fns.name || (real_init(), real_fns.name) ? real_fns.name(__VA_ARGS__) : (errno = ENOSYS, (FILE *)NULL))

EXPORT FILE *fopen(const char *path, const char *mode) { return fresh_file(CALL_REAL_FILE(fopen, path, mode)); }

EXPORT FILE *fopen64(const char *path, const char *mode) { return fresh_file(CALL_REAL_FILE(fopen64, path, mode)); }

/* freopen closes the stream's old fd inside libc, and the new one may get
 * another number: the old number is fresh too (a socket there ends without
 * a close event). */
static FILE *reopened(FILE *f, int oldfd) {
	fresh_file(f);
	if (oldfd >= 0 && (!f || fileno(f) != oldfd)) fd_fresh(oldfd, FD_UNKNOWN);
	return f;
}

static int fd_of(FILE *f) {
	int saved = errno, fd = f ? fileno(f) : -1;
	errno = saved;
	return fd;
}

EXPORT FILE *freopen(const char *path, const char *mode, FILE *f) {
	int oldfd = fd_of(f);
	return reopened(CALL_REAL_FILE(freopen, path, mode, f), oldfd);
}

EXPORT FILE *freopen64(const char *path, const char *mode, FILE *f) {
	int oldfd = fd_of(f);
	return reopened(CALL_REAL_FILE(freopen64, path, mode, f), oldfd);
}

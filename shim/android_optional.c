/* What the platform does when it lacks an optional function the shim hooks.
 *
 * Per bionic's headers (libc/include): android_fdsan_close_with_tag from API
 * 29 (android/fdsan.h, declared weak: "is it available?" is the documented
 * test, which libbase does), posix_spawn/posix_spawnp/fexecve from 28
 * (spawn.h, unistd.h), close_range from 34 (unistd.h); closefrom, isfdtype,
 * sockatmark and __recv_chk are not in bionic at all (glibc has them). On an
 * older phone, an app whose weak-symbol check finds our export calls it, and
 * the hook must not call a NULL real pointer: it behaves as the caller's
 * fallback path, or as the function's definition, would. */
#include "android_optional.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* No fdsan: callers close the fd themselves (libbase: `close(fd)`). */
int fallback_fdsan_close_with_tag(int fd, uint64_t tag) {
	(void)tag;
	return REAL(close)(fd);
}

/* No close_range: the wrapper does not exist, callers fall back on ENOSYS
 * (as they do when the kernel lacks the system call). */
int fallback_close_range(unsigned int first, unsigned int last, int flags) {
	(void)first, (void)last, (void)flags;
	errno = ENOSYS;
	return -1;
}

/* closefrom(3) (BSD, glibc): close every fd from lowfd on. */
void fallback_closefrom(int lowfd) {
	struct rlimit rl;
	long max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536) max = (long)rl.rlim_cur;
	int err = errno;
	for (long fd = lowfd < 0 ? 0 : lowfd; fd < max; fd++) REAL(close)((int)fd);
	errno = err;
}

/* isfdtype(3): is fd's file type (S_IFMT bits) fdtype? */
int fallback_isfdtype(int fd, int fdtype) {
	struct stat st;
	if (fstat(fd, &st) != 0) return -1;
	return (int)(st.st_mode & S_IFMT) == fdtype;
}

/* sockatmark(3): the SIOCATMARK ioctl, as glibc defines it. */
int fallback_sockatmark(int fd) {
	int at = 0;
	if (REAL(ioctl)(fd, SIOCATMARK, &at) == -1) return -1;
	return at;
}

/* __recv_chk: the fortified recv (glibc's); a buffer shorter than len is
 * a fatal error, as FORTIFY makes it. */
ssize_t fallback_recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags) {
	if (len > buflen) abort();
	return REAL(recv)(fd, buf, len, flags);
}

/* posix_spawn, posix_spawnp before API 28: they return an error number. */
int fallback_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                         const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
	(void)pid, (void)path, (void)fa, (void)attr, (void)argv, (void)envp;
	return ENOSYS;
}

int fallback_fexecve(int fd, char *const argv[], char *const envp[]) {
	(void)fd, (void)argv, (void)envp;
	errno = ENOSYS;
	return -1;
}

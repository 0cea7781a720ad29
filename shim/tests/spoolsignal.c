/* Not a program: a library preloaded AFTER the shim (LD_PRELOAD=shim:this)
 * by TestFatalSignalDuringExitFlush. The shim reaches libc's open through
 * dlsym(RTLD_NEXT), so it gets this one. The first time the main thread
 * opens a spool (with -t long, the writer thread never wrote: that is the
 * shim's own final flush at exit), SIGTERM is raised on that very thread,
 * so the signal arrives while the shim is inside its flush, as when a
 * Python multiprocessing pool terminates a worker that is already leaving
 * through os._exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void maybe_raise(const char *path) {
	static int done;
	size_t n = strlen(path), k = strlen("/events.spool");
	if (n < k || strcmp(path + n - k, "/events.spool")) return;
	if (syscall(SYS_gettid) != getpid()) return; /* the writer thread blocks every signal */
	if (__atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST)) return;
	raise(SIGTERM);
}

#define OPEN_LIKE(name, ...)                                                     \
	int name(__VA_ARGS__, int flags, ...) {                                  \
		static int (*real)();                                            \
		mode_t mode = 0;                                                 \
		if (flags & (O_CREAT | __O_TMPFILE)) {                           \
			va_list ap;                                              \
			va_start(ap, flags);                                     \
			mode = va_arg(ap, mode_t);                               \
			va_end(ap);                                              \
		}                                                                \
		if (!real) real = (int (*)())dlsym(RTLD_NEXT, #name);            \
		maybe_raise(path);                                               \
		return OPEN_CALL;                                                \
	}

#define OPEN_CALL real(path, flags, mode)
OPEN_LIKE(open, const char *path)
OPEN_LIKE(open64, const char *path)
#undef OPEN_CALL
#define OPEN_CALL real(dirfd, path, flags, mode)
OPEN_LIKE(openat, int dirfd, const char *path)
OPEN_LIKE(openat64, int dirfd, const char *path)

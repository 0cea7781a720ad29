#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lifecycle.h"
#include "log.h"
#include "options.h"
#include "ownfd.h"
#include "real.h"
#include "spool.h"
#include "tstate.h"
#include "writer.h"

static int tracedir_fd = -1;   /* the trace directory, opened before a chroot */
static bool files_limited;     /* RLIMIT_FSIZE was lowered */
static char *tail;             /* the spool's mapped tail, or NULL */
static size_t tail_used, tail_len;

bool sandbox_files_limited(void) { return __atomic_load_n(&files_limited, __ATOMIC_ACQUIRE); }

/* The part of path below the trace directory, or NULL. */
static const char *below_tracedir(const char *path) {
	if (tracedir_fd < 0) return NULL;
	size_t n = strlen(opt.dir);
	if (strncmp(path, opt.dir, n) || path[n] != '/') return NULL;
	return path + n + 1;
}

int sandbox_open(const char *path, int flags, int mode) {
	const char *rel = below_tracedir(path);
	if (rel) return REAL(openat)(tracedir_fd, rel, flags, mode);
	return open(path, flags, mode);
}

int sandbox_mkdir(const char *path, int mode) {
	const char *rel = below_tracedir(path);
	if (rel) return mkdirat(tracedir_fd, rel, (mode_t)mode);
	return mkdir(path, (mode_t)mode);
}

bool sandbox_spool_take(const char *p, size_t n) {
	if (!sandbox_files_limited()) return false;
	if (tail && n <= tail_len - tail_used) {
		memcpy(tail + tail_used, p, n);
		tail_used += n;
	}
	return true;
}

void sandbox_reset_after_fork(void) {
	/* The parent's mapping stays the parent's: the child writes nothing
	 * more (its limit is inherited, it cannot grow a file either). */
	tail = NULL;
	tail_used = tail_len = 0;
}

static bool live(void) {
	return __atomic_load_n(&tcpsnitch_state, __ATOMIC_ACQUIRE) == ST_READY && !tstate_get()->in_shim && opt.dir[0];
}

/* Maps SANDBOX_TAIL bytes past the end of the spool (called with the
 * writer's pass locked: no append runs meanwhile). */
static void map_tail(void) {
	const char *dir = procdir_get();
	if (!dir) return;
	char path[800];
	snprintf(path, sizeof path, "%s/" SPOOL_NAME, dir);
	int fd = sandbox_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		slog(LOG_WARN, "cannot open %s to keep tracing once the file size is limited: %s", path, strerror(errno));
		return;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	long page = sysconf(_SC_PAGESIZE);
	off_t base = size - size % page;
	void *m = MAP_FAILED;
	if (size >= 0 && ftruncate(fd, size + (off_t)SANDBOX_TAIL) == 0)
		m = mmap(NULL, (size_t)(size - base) + SANDBOX_TAIL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	if (m == MAP_FAILED) {
		slog(LOG_WARN, "cannot map the end of %s: %s; later events of this process are lost", path, strerror(errno));
		if (size >= 0) (void)!ftruncate(fd, size);
	} else {
		tail = (char *)m + (size - base);
		tail_used = 0;
		tail_len = SANDBOX_TAIL;
	}
	REAL(close)(fd);
}

/* Before the program lowers its file size limit. */
static void before_fsize(int resource, const struct rlimit *r) {
	/* A limit of SANDBOX_TAIL or more leaves the trace files room enough:
	 * they are written as usual (a spool that outgrows it would still
	 * raise SIGXFSZ). Below, the limit is a sandbox (sshd sets 0). */
	if (resource != RLIMIT_FSIZE || !r || r->rlim_cur >= SANDBOX_TAIL || sandbox_files_limited() || !live()) return;
	struct tstate *ts = tstate_get();
	int saved = errno, was = ts->in_shim;
	ts->in_shim = 1;
	slog(LOG_INFO, "the program limits its file size (RLIMIT_FSIZE %llu): events go to a mapped spool tail of %u MiB, no other trace file is written",
	     (unsigned long long)r->rlim_cur, SANDBOX_TAIL >> 20);
	writer_flush_all(false);
	writer_lock_pass();
	map_tail();
	__atomic_store_n(&files_limited, true, __ATOMIC_RELEASE);
	writer_unlock_pass();
	ts->in_shim = was;
	errno = saved;
}

EXPORT int chroot(const char *path) {
	if (live() && tracedir_fd < 0) {
		struct tstate *ts = tstate_get();
		int saved = errno, was = ts->in_shim;
		ts->in_shim = 1;
		(void)procdir_get(); /* made while its path still resolves */
		int fd = open(opt.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) tracedir_fd = ownfd_adopt(fd);
		else slog(LOG_WARN, "cannot open %s before the program's chroot: %s", opt.dir, strerror(errno));
		ts->in_shim = was;
		errno = saved;
	}
	return REAL(chroot)(path);
}

EXPORT int setrlimit(rlim_res_t resource, const struct rlimit *r) {
	before_fsize((int)resource, r);
	return REAL(setrlimit)(resource, r);
}

/* The 64-bit forms: the same, with the limit read as 64 bits. */
static void before_fsize64(int resource, const void *p) {
	const struct rlimit64 *r = p;
	if (!r) return;
	struct rlimit l = {(rlim_t)r->rlim_cur, (rlim_t)r->rlim_max};
	if (r->rlim_cur == RLIM64_INFINITY) l.rlim_cur = RLIM_INFINITY;
	before_fsize(resource, &l);
}

EXPORT int setrlimit64(rlim_res_t resource, const struct rlimit64 *r) {
	before_fsize64((int)resource, r);
	return REAL(setrlimit64)(resource, r);
}

EXPORT int prlimit(pid_t pid, rlim_res_t resource, const struct rlimit *r, struct rlimit *old) {
	if (pid == 0 || pid == getpid()) before_fsize((int)resource, r);
	return REAL(prlimit)(pid, resource, r, old);
}

EXPORT int prlimit64(pid_t pid, rlim_res_t resource, const struct rlimit64 *r, struct rlimit64 *old) {
	if (pid == 0 || pid == getpid()) before_fsize64((int)resource, r);
	return REAL(prlimit64)(pid, resource, r, old);
}

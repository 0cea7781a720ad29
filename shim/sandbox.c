#include "sandbox.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
#include "sigblock.h"
#include "sock.h"
#include "spool.h"
#include "tstate.h"
#include "writer.h"

static int tracedir_fd = -1;   /* the trace directory, opened before a chroot */
static bool files_limited;     /* RLIMIT_FSIZE was lowered */
static char *tail;             /* the spool's mapped tail, or NULL */
static rlim_t fsize_limit = RLIM_INFINITY; /* the soft RLIMIT_FSIZE as the shim last saw it */
static size_t tail_used, tail_len;

void sandbox_init(void) {
	struct rlimit r;
	if (getrlimit(RLIMIT_FSIZE, &r) == 0) fsize_limit = r.rlim_cur;
}

bool sandbox_write_fits(int fd, size_t n) {
	rlim_t lim = __atomic_load_n(&fsize_limit, __ATOMIC_RELAXED);
	if (lim == RLIM_INFINITY) return true;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return true;
	off_t at = st.st_size; /* where an O_APPEND write goes */
	int fl = REAL(fcntl)(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_APPEND)) {
		off_t cur = lseek(fd, 0, SEEK_CUR);
		if (cur >= 0) at = cur;
	}
	return (rlim_t)at + n <= lim;
}

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

/* The tail: records from its start, then the note (the process's log
 * lines, spool.h) right after the last record, moved along as records
 * come. NOTE_ROOM at the tail's end is kept for the note. Taken by the
 * writer's appends and by log lines of any thread. */
#define NOTE_ROOM 8192
static pthread_mutex_t tail_lock = PTHREAD_MUTEX_INITIALIZER;
static char note[NOTE_ROOM - SPOOL_HDR];
static size_t note_len, note_end; /* the note's length; where the written note ends */
static bool tail_full;

/* Writes the note after the last record and zeroes what an earlier,
 * longer one left past it (the reader stops at a zero byte). */
static void put_note(void) {
	if (!tail || !note_len) return;
	char *h = tail + tail_used;
	spool_header(h, SPOOL_NOTE_ID, (unsigned)note_len);
	memcpy(h + SPOOL_HDR, note, note_len);
	size_t end = tail_used + SPOOL_HDR + note_len;
	if (note_end > end) memset(tail + end, 0, note_end - end);
	note_end = end;
}

bool sandbox_spool_take(const char *p, size_t n) {
	if (!sandbox_files_limited()) return false;
	sigset_t old;
	sigblock_all(&old);
	pthread_mutex_lock(&tail_lock);
	bool took = tail && !tail_full && n <= tail_len - NOTE_ROOM - tail_used;
	bool first_loss = false;
	if (took) {
		memcpy(tail + tail_used, p, n);
		tail_used += n;
		put_note();
	} else {
		/* Not a record more once one is lost: what a socket shows stops
		 * at a point, with no gap inside. */
		first_loss = !tail_full;
		tail_full = true;
	}
	pthread_mutex_unlock(&tail_lock);
	sigblock_restore(&old);
	if (!took) {
		writer_count_unwritten(spool_events_in(p, n));
		if (first_loss)
			slog(LOG_WARN, tail ? "the spool's mapped tail (%u MiB, the program limits its file size) is full: later events of this process are lost"
					   : "the spool's mapped tail could not be made (%u MiB, the program limits its file size): later events of this process are lost",
			     SANDBOX_TAIL >> 20);
	}
	return true;
}

bool sandbox_log_take(const char *line, size_t n) {
	if (!sandbox_files_limited()) return false;
	sigset_t old;
	sigblock_all(&old);
	pthread_mutex_lock(&tail_lock);
	if (n <= sizeof note - note_len) {
		memcpy(note + note_len, line, n);
		note_len += n;
		put_note();
	}
	pthread_mutex_unlock(&tail_lock);
	sigblock_restore(&old);
	return true;
}

void sandbox_reset_after_fork(void) {
	/* The parent's mapping stays the parent's: the child writes nothing
	 * more (its limit is inherited, it cannot grow a file either). */
	pthread_mutex_init(&tail_lock, NULL);
	tail = NULL;
	tail_used = tail_len = 0;
	note_len = note_end = 0;
	tail_full = false;
}

static bool live(void) {
	return __atomic_load_n(&tcpsnitch_state, __ATOMIC_ACQUIRE) == ST_READY && !tstate_get()->in_shim && opt.dir[0];
}

/* Maps SANDBOX_TAIL bytes past the end of the spool (called with the
 * writer's pass locked: no append runs meanwhile). */
static void map_tail(rlim_t old_limit) {
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
	if (size >= 0 && old_limit != RLIM_INFINITY && (rlim_t)size + SANDBOX_TAIL > old_limit) {
		/* Growing the file past the limit in force would raise SIGXFSZ. */
		slog(LOG_WARN, "%s cannot grow past the file size limit: later events of this process are lost", path);
		REAL(close)(fd);
		return;
	}
	long page = sysconf(_SC_PAGESIZE);
	off_t base = size - size % page;
	void *m = MAP_FAILED;
	if (size >= 0 && ftruncate(fd, size + (off_t)SANDBOX_TAIL) == 0)
		m = mmap(NULL, (size_t)(size - base) + SANDBOX_TAIL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	if (m == MAP_FAILED) {
		slog(LOG_WARN, "cannot map the end of %s: %s; later events of this process are lost", path, strerror(errno));
		if (size >= 0) (void)!ftruncate(fd, size);
	} else {
		sigset_t old;
		sigblock_all(&old);
		pthread_mutex_lock(&tail_lock);
		tail = (char *)m + (size - base);
		tail_used = 0;
		tail_len = SANDBOX_TAIL;
		pthread_mutex_unlock(&tail_lock);
		sigblock_restore(&old);
	}
	REAL(close)(fd);
}

/* Before the program lowers its file size limit. */
static void before_fsize(int resource, const struct rlimit *r) {
	if (resource != RLIMIT_FSIZE || !r) return;
	rlim_t old = __atomic_load_n(&fsize_limit, __ATOMIC_RELAXED);
	/* A limit of SANDBOX_TAIL or more leaves the trace files room enough:
	 * they are written as usual, each write checked against it. Below,
	 * the limit is a sandbox (sshd sets 0). */
	if (r->rlim_cur < SANDBOX_TAIL && !sandbox_files_limited() && live()) {
		struct tstate *ts = tstate_get();
		int saved = errno, was = ts->in_shim;
		ts->in_shim = 1;
		slog(LOG_INFO, "the program limits its file size (RLIMIT_FSIZE %llu): events go to a mapped spool tail of %u MiB, no other trace file is written",
		     (unsigned long long)r->rlim_cur, SANDBOX_TAIL >> 20);
		writer_flush_all(false); /* still under the old limit */
		writer_lock_pass();
		/* Not for a process that has traced nothing (a shell's `ulimit
		 * -f` before it execs the program): no directory for it. */
		if (procdir_if_made() || socks_count() > 0) map_tail(old);
		__atomic_store_n(&files_limited, true, __ATOMIC_RELEASE);
		writer_unlock_pass();
		ts->in_shim = was;
		errno = saved;
	}
}

/* After the call: the limit the shim's writes are checked against. */
static int after_fsize(int resource, const struct rlimit *r, int rc) {
	if (rc == 0 && resource == RLIMIT_FSIZE && r) {
		int saved = errno;
		__atomic_store_n(&fsize_limit, r->rlim_cur, __ATOMIC_RELAXED);
		errno = saved;
	}
	return rc;
}

EXPORT int chroot(const char *path) {
	if (live() && tracedir_fd < 0) {
		struct tstate *ts = tstate_get();
		int saved = errno, was = ts->in_shim;
		ts->in_shim = 1;
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
	return after_fsize((int)resource, r, REAL(setrlimit)(resource, r));
}

/* The 64-bit forms' limit as a struct rlimit (NULL when none). */
static const struct rlimit *as_rlimit(const void *p, struct rlimit *l) {
	const struct rlimit64 *r = p;
	if (!r) return NULL;
	l->rlim_cur = r->rlim_cur == RLIM64_INFINITY ? RLIM_INFINITY : (rlim_t)r->rlim_cur;
	l->rlim_max = r->rlim_max == RLIM64_INFINITY ? RLIM_INFINITY : (rlim_t)r->rlim_max;
	return l;
}

EXPORT int setrlimit64(rlim_res_t resource, const struct rlimit64 *r) {
	struct rlimit l;
	const struct rlimit *lp = as_rlimit(r, &l);
	before_fsize((int)resource, lp);
	return after_fsize((int)resource, lp, REAL(setrlimit64)(resource, r));
}

EXPORT int prlimit(pid_t pid, rlim_res_t resource, const struct rlimit *r, struct rlimit *old) {
	bool self = pid == 0 || pid == getpid();
	if (self) before_fsize((int)resource, r);
	return after_fsize((int)resource, self ? r : NULL, REAL(prlimit)(pid, resource, r, old));
}

EXPORT int prlimit64(pid_t pid, rlim_res_t resource, const struct rlimit64 *r, struct rlimit64 *old) {
	struct rlimit l;
	const struct rlimit *lp = pid == 0 || pid == getpid() ? as_rlimit(r, &l) : NULL;
	before_fsize((int)resource, lp);
	return after_fsize((int)resource, lp, REAL(prlimit64)(pid, resource, r, old));
}

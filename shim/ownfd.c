#include "ownfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "real.h"
#include "sandbox.h"
#include "sigblock.h"
#include "tstate.h"
#include "writer.h"

int tcpsnitch_ownfd_count;
int tcpsnitch_ownfds[OWNFD_MAX] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
int tcpsnitch_ownfd_floor = INT_MAX; /* no own fd before the shim starts */
#define count tcpsnitch_ownfd_count
#define fds tcpsnitch_ownfds
#define floor_ tcpsnitch_ownfd_floor

/* A slot's number: >= 0 an fd; these otherwise. */
#define FREE (-1)
#define CLAIMED (-2) /* being filled by ownfile_open / ownfd_adopt */
#define GONE (-3)    /* a file the program took and that could not move: writes fail */

static bool movable[OWNFD_MAX]; /* a trace file (ownfile), not an adopted fd */
static int pins[OWNFD_MAX];     /* writes in flight on the slot's number */
static int busy[OWNFD_MAX];     /* the number is being closed or moved */
static int tentative[OWNFD_MAX]; /* just opened, not yet checked against the program's calls */

/* The program's closes and dup2s that may meet the shim's numbers. state:
 * 0 free, 1 being filled, 2 announced, 3 announced and has seen the
 * shim's file (the file's opener need not wait for it); seq changes with
 * each use. */
#define INTENT_MAX 16
static int istate[INTENT_MAX];
static unsigned iseq[INTENT_MAX];
static unsigned ilo[INTENT_MAX], ihi[INTENT_MAX];
static const struct tstate *iby[INTENT_MAX];
static unsigned iended; /* intents ended so far */

/* Waits stay bounded: what they wait for is one system call of another
 * thread (a write, a close, a dup2), never a lock. */
#define WAIT_MAX_USEC 10000000L

static bool waited_too_long(int round) {
	if (round < 64) {
		sched_yield();
		return false;
	}
	struct timespec t = {0, 100000};
	nanosleep(&t, NULL);
	return (long)(round - 64) * 100 > WAIT_MAX_USEC;
}

static void wait_unpinned(int slot) {
	for (int r = 0; __atomic_load_n(&pins[slot], __ATOMIC_SEQ_CST) && !waited_too_long(r); r++) {}
}

/* Lowest number for the shim's fds: 32 under the soft limit, at most
 * 1024 - 32 (a kernel fd table past 1024 entries costs the program memory). */
static int high_base(void) {
	struct rlimit rl;
	long lim = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < lim)
		lim = (long)rl.rlim_cur;
	return lim > 96 ? (int)lim - 32 : -1;
}

static void lower_floor(int n) {
	int f = __atomic_load_n(&floor_, __ATOMIC_SEQ_CST);
	while (n < f && !__atomic_compare_exchange_n(&floor_, &f, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {}
}

/* The kernel grows a process's fd table the first time a number past its
 * end is used, and when more than one thread shares the table it then waits
 * for an RCU grace period before it frees the old one: tens of
 * milliseconds on a VM, which the shim's first high fd (the spool, after
 * the writer thread started) made every traced process pay, short-lived
 * ones in full. Grown here instead, while the process has one thread: the
 * shim's start, and a fork child (it gets a table sized to its open fds). */
static void grow_fd_table(int base) {
	if (base <= 0) return;
	/* A copy of any open fd on the highest number: stdin, stdout or
	 * stderr when one is open; else a directory (an app's sandbox may
	 * refuse some, so it comes second). */
	int top = -1;
	for (int fd = 0; fd <= 2 && top < 0; fd++) top = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, base + 31);
	if (top < 0) {
		int fd = REAL(open)("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) return;
		top = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, base + 31);
		REAL(close)(fd);
	}
	if (top >= 0) REAL(close)(top);
}

void ownfd_init(void) {
	int base = high_base();
	__atomic_store_n(&floor_, base > 0 ? base : 0, __ATOMIC_SEQ_CST);
	grow_fd_table(base);
}

void ownfd_reset_after_fork(void) {
	for (int i = 0; i < OWNFD_MAX; i++) pins[i] = busy[i] = 0;
	for (int i = 0; i < INTENT_MAX; i++) istate[i] = 0;
	int saved = errno;
	grow_fd_table(high_base());
	errno = saved;
}

/* Moves fd to a high number (closing the old one); fd itself if it
 * cannot. */
static int move_high(int fd) {
	int base = high_base();
	if (base <= 0) {
		lower_floor(0);
		return fd;
	}
	lower_floor(base); /* before the number exists: see ownfd_may_meet */
	if (fd >= base) return fd;
	int moved = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, base);
	if (moved < 0) {
		lower_floor(fd);
		return fd;
	}
	REAL(close)(fd);
	return moved;
}

static int claim_slot(bool is_file) {
	for (int i = 0; i < OWNFD_MAX; i++) {
		int expected = FREE;
		if (__atomic_compare_exchange_n(&fds[i], &expected, CLAIMED, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			movable[i] = is_file;
			return i;
		}
	}
	return -1; /* more than OWNFD_MAX at once: this one goes unregistered */
}

static void fill_slot(int slot, int fd) {
	__atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fds[slot], fd, __ATOMIC_SEQ_CST);
}

/* Empties a slot whatever number it holds now; returns that number. */
static int empty_slot(int slot) {
	int cur = __atomic_load_n(&fds[slot], __ATOMIC_SEQ_CST);
	while (!__atomic_compare_exchange_n(&fds[slot], &cur, FREE, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {}
	if (cur != CLAIMED) __atomic_sub_fetch(&count, 1, __ATOMIC_SEQ_CST);
	return cur;
}

int ownfd_adopt(int fd) {
	if (fd < 0) return fd;
	fd = move_high(fd);
	REAL(fcntl)(fd, F_SETFD, FD_CLOEXEC);
	int slot = claim_slot(false);
	if (slot >= 0) fill_slot(slot, fd);
	return fd;
}

/* ---- intents ---- */

int ownfd_intent_begin(unsigned lo, unsigned hi) {
	for (int round = 0; round < 1000; round++) {
		for (int i = 0; i < INTENT_MAX; i++) {
			int expected = 0;
			if (!__atomic_compare_exchange_n(&istate[i], &expected, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				continue;
			__atomic_add_fetch(&iseq[i], 1, __ATOMIC_SEQ_CST);
			ilo[i] = lo;
			ihi[i] = hi;
			iby[i] = tstate_get();
			__atomic_store_n(&istate[i], 2, __ATOMIC_SEQ_CST);
			/* Announced before the hook looks at the shim's numbers. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return i;
		}
		sched_yield(); /* 16 threads closing high numbers at once */
	}
	return -1;
}

void ownfd_intent_end(int token) {
	if (token < 0) return;
	int saved = errno;
	iby[token] = NULL;
	__atomic_add_fetch(&iended, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&istate[token], 0, __ATOMIC_SEQ_CST);
	errno = saved;
}

/* Waits for the intents of other threads that cover fd and were announced
 * before fd was registered; true if there were any (or one may have ended
 * meanwhile: the file must then be checked). */
static bool wait_intents(int fd, unsigned ended_before) {
	const struct tstate *me = tstate_get();
	bool met = false;
	for (int i = 0; i < INTENT_MAX; i++) {
		int st = __atomic_load_n(&istate[i], __ATOMIC_SEQ_CST);
		for (int r = 0; st == 1 && !waited_too_long(r); r++) st = __atomic_load_n(&istate[i], __ATOMIC_SEQ_CST);
		if (st != 2) continue; /* 3: it saw the file */
		unsigned seq = __atomic_load_n(&iseq[i], __ATOMIC_SEQ_CST);
		unsigned lo = ilo[i], hi = ihi[i];
		const struct tstate *by = iby[i];
		if (__atomic_load_n(&iseq[i], __ATOMIC_SEQ_CST) != seq) continue; /* ended: counted in iended */
		/* This thread's own: a signal handler interrupted its close or
		 * dup2, which cannot end before the handler does. */
		if (by == me || (unsigned)fd < lo || (unsigned)fd > hi) continue;
		met = true;
		for (int r = 0; __atomic_load_n(&istate[i], __ATOMIC_SEQ_CST) == 2 &&
				__atomic_load_n(&iseq[i], __ATOMIC_SEQ_CST) == seq && !waited_too_long(r);
		     r++) {}
	}
	return met || __atomic_load_n(&iended, __ATOMIC_SEQ_CST) != ended_before;
}

/* ---- trace files ---- */

/* The slot's lock: its number is closed or moved under it, so a number
 * leaves the table only once it is closed (a dup2 that no longer sees it
 * cannot be undone by a close still to come). No signal handler of this
 * thread runs while it writes on a slot's number or holds its lock: the
 * handler might dup2 onto that number and wait for this very write or
 * lock (sigblock.h). */
static void lock_slot(int slot, sigset_t *old) {
	sigblock_all(old);
	int expected = 0;
	while (!__atomic_compare_exchange_n(&busy[slot], &expected, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
		expected = 0;
		sched_yield();
	}
}

static void unlock_slot(int slot, const sigset_t *old) {
	__atomic_store_n(&busy[slot], 0, __ATOMIC_SEQ_CST);
	sigblock_restore(old);
}

static bool same_file(const struct stat *a, int fd) {
	struct stat b;
	return fstat(fd, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

bool ownfile_open(struct ownfile *f, const char *path, int flags, int mode) {
	f->slot = -1;
	f->fd = -1;
	if (sandbox_files_limited()) { /* no write would succeed; a seccomp filter may kill on fcntl */
		errno = EFBIG;
		return false;
	}
	for (int attempt = 0; attempt < 8; attempt++) {
		int slot = claim_slot(true);
		unsigned ended_before = __atomic_load_n(&iended, __ATOMIC_SEQ_CST);
		int fd = sandbox_open(path, flags | O_CLOEXEC, mode);
		if (fd < 0) {
			int err = errno;
			if (slot >= 0) empty_slot(slot);
			errno = err;
			return false;
		}
		/* What the file is, before its number can be aimed at. */
		struct stat st;
		bool known = fstat(fd, &st) == 0;
		fd = move_high(fd);
		if (slot < 0 || !known) {
			if (slot >= 0) empty_slot(slot);
			f->fd = fd;
			return true; /* unregistered: as safe as before this table */
		}
		__atomic_store_n(&tentative[slot], 1, __ATOMIC_SEQ_CST);
		fill_slot(slot, fd);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* registered before the intents are read */
		f->slot = slot;
		f->fd = fd;
		/* A close or dup2 of the program may have reached the number
		 * before it saw the file. Under the slot's lock (no dup2 moves
		 * it meanwhile) the slot's number, wherever a dup2 moved it,
		 * must still hold the file opened. */
		bool ours = !wait_intents(fd, ended_before);
		if (!ours) {
			sigset_t old;
			lock_slot(slot, &old);
			int now = __atomic_load_n(&fds[slot], __ATOMIC_SEQ_CST);
			ours = now >= 0 && same_file(&st, now);
			if (!ours) {
				/* The program took the number before the file was
				 * registered. A dup2 since then moved the program's
				 * file to a number of the shim's (close that copy),
				 * or found the number closed (GONE); the number
				 * itself is the program's. */
				if (now >= 0 && now != fd) REAL(close)(now);
				empty_slot(slot);
			}
			unlock_slot(slot, &old);
		}
		__atomic_store_n(&tentative[slot], 0, __ATOMIC_SEQ_CST);
		if (ours) return true;
		f->slot = -1;
		f->fd = -1;
	}
	errno = EBUSY;
	return false;
}

bool ownfile_write(struct ownfile *f, const char *p, size_t n) {
	if (sandbox_files_limited()) { /* the write would raise SIGXFSZ */
		errno = EFBIG;
		return false;
	}
	if (f->fd >= 0 && !sandbox_write_fits(f->fd, n)) { /* past the file size limit: SIGXFSZ */
		errno = EFBIG;
		return false;
	}
	if (f->slot < 0) {
		if (f->fd < 0) {
			errno = EBADF;
			return false;
		}
		return write_all(f->fd, p, n);
	}
	/* Pinned: the number cannot move away under the write (ownfd_yield
	 * waits for it). */
	sigset_t old;
	sigblock_all(&old);
	__atomic_add_fetch(&pins[f->slot], 1, __ATOMIC_SEQ_CST);
	int fd = __atomic_load_n(&fds[f->slot], __ATOMIC_SEQ_CST);
	bool ok = fd >= 0 ? write_all(fd, p, n) : (errno = EBADF, false);
	__atomic_sub_fetch(&pins[f->slot], 1, __ATOMIC_SEQ_CST);
	sigblock_restore(&old);
	return ok;
}

void ownfile_close(struct ownfile *f) {
	if (f->slot < 0) {
		if (f->fd >= 0) REAL(close)(f->fd);
	} else {
		sigset_t old;
		lock_slot(f->slot, &old);
		int fd = __atomic_load_n(&fds[f->slot], __ATOMIC_SEQ_CST);
		if (fd >= 0) REAL(close)(fd);
		empty_slot(f->slot);
		unlock_slot(f->slot, &old);
	}
	f->slot = -1;
	f->fd = -1;
}

/* ---- the program's calls on the shim's numbers ---- */

static int slot_of(int fd) {
	for (int i = 0; i < OWNFD_MAX; i++)
		if (fd >= 0 && __atomic_load_n(&fds[i], __ATOMIC_SEQ_CST) == fd) return i;
	return -1;
}

static void forget(int fd) {
	int slot = slot_of(fd);
	if (slot >= 0) {
		int expected = fd;
		if (__atomic_compare_exchange_n(&fds[slot], &expected, FREE, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			__atomic_sub_fetch(&count, 1, __ATOMIC_SEQ_CST);
	}
}

int ownfd_close(int fd) {
	forget(fd);
	return REAL(close)(fd);
}

bool ownfd_claims(int fd, int intent) {
	/* The slot is looked up again after each wait, and its number read
	 * again after its flags: a slot just emptied may hold a new file
	 * (of another number) by the time its flags are read. */
	for (int round = 0; round < 64; round++) {
		int slot = slot_of(fd);
		if (slot < 0) return false;
		if (__atomic_load_n(&busy[slot], __ATOMIC_SEQ_CST)) {
			/* Being closed or moved: look again once it is done. */
			for (int r = 0; __atomic_load_n(&busy[slot], __ATOMIC_SEQ_CST) && !waited_too_long(r); r++) {}
			continue;
		}
		if (__atomic_load_n(&tentative[slot], __ATOMIC_SEQ_CST)) {
			/* Just opened there: its opener checks whether the
			 * program's earlier call took the number; this call saw
			 * the file. */
			if (intent >= 0) __atomic_store_n(&istate[intent], 3, __ATOMIC_SEQ_CST);
			for (int r = 0; __atomic_load_n(&tentative[slot], __ATOMIC_SEQ_CST) && !waited_too_long(r); r++) {}
			continue;
		}
		if (__atomic_load_n(&fds[slot], __ATOMIC_SEQ_CST) == fd) return true;
	}
	return ownfd_is(fd);
}

int ownfd_hook_close(int fd) {
	if (tstate_get()->in_shim) return ownfd_close(fd);
	errno = EBADF;
	return -1;
}

bool ownfd_yield(int fd) {
	int slot = slot_of(fd);
	if (slot < 0) return false;
	if (!movable[slot]) {
		capture_surrender_fd(fd);
		forget(fd);
		return false;
	}
	sigset_t old;
	lock_slot(slot, &old);
	if (__atomic_load_n(&fds[slot], __ATOMIC_SEQ_CST) != fd) {
		unlock_slot(slot, &old); /* closed by its owner meanwhile */
		return false;
	}
	int saved = errno;
	int base = high_base();
	int moved = base > 0 ? REAL(fcntl)(fd, F_DUPFD_CLOEXEC, base) : -1;
	if (moved < 0) moved = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, fd + 1);
	errno = saved;
	__atomic_store_n(&fds[slot], moved >= 0 ? moved : GONE, __ATOMIC_SEQ_CST);
	unlock_slot(slot, &old);
	/* A write that read the old number finishes before the number goes. */
	wait_unpinned(slot);
	return moved >= 0;
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

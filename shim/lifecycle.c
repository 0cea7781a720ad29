#include "lifecycle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "epoll_map.h"
#include "fdtable.h"
#include "hazard.h"
#include "log.h"
#include "options.h"
#include "ownfd.h"
#include "real.h"
#include "sandbox.h"
#include "record.h"
#include "sigblock.h"
#include "sockstream.h"
#include "tstate.h"
#include "writer.h"

extern char **environ;

int tcpsnitch_state = ST_NEW;
#define state tcpsnitch_state
bool tcpsnitch_exiting;
#define exiting tcpsnitch_exiting

/* LD_PRELOAD and TCPSNITCH_* as they were at start, to hand on across exec.
 * Copied into static memory: initialisation must not call the program's
 * allocator (see shim_init_once). An entry that does not fit is not handed
 * on (the CLI's entries are a few hundred bytes in all). */
#define SAVED_MAX 16
static char saved_text[8192];
static char *saved_env[SAVED_MAX];
static int nsaved;

static void save_env(void) {
	size_t used = 0;
	for (char **e = environ; e && *e && nsaved < SAVED_MAX; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "TCPSNITCH_", 10)) continue;
		size_t n = strlen(*e) + 1;
		if (n > sizeof saved_text - used) continue;
		memcpy(saved_text + used, *e, n);
		saved_env[nsaved++] = saved_text + used;
		used += n;
	}
}

/* fork quiesces the shim: prepare takes the locks of everything another
 * thread may be changing (the writer's pass and its text buffer, the
 * reserve, capture, the socket list and spare chunks, the epoll table, the
 * log), in the order the shim's own code nests them, so the child never
 * copies a structure half changed; the parent releases them, the child
 * starts them afresh. A fork from a signal handler skips this: the code it
 * interrupted may hold one of them (the child then resets them all the
 * same).
 *
 * Per thread: glibc runs the handlers of two threads that fork at once
 * concurrently (the second one's prepare waits for the locks the first
 * holds). A process-wide flag cleared by the first one's parent handler
 * made the second one keep every lock: the next fork, write pass or
 * socket call of any thread hung for good.
 *
 * Every signal is blocked from prepare to parent/child: a fatal signal's
 * final pass needs the locks prepare holds (sigblock.h). fork_mask is the
 * forking thread's mask before that. */
static TSTATE_TLS bool quiesced;
static TSTATE_TLS sigset_t fork_mask;

static void atfork_prepare(void) {
	quiesced = __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_READY && !tstate_in_handler() &&
		   !tstate_get()->in_shim;
	if (!quiesced) return;
	sigblock_all(&fork_mask);
	writer_prepare_fork();
	record_prepare_fork();
	capture_prepare_fork();
	writer_prepare_fork_procdir();
	socks_prepare_fork();
	epoll_map_prepare_fork();
	log_prepare_fork();
}

static void atfork_parent(void) {
	if (!quiesced) return;
	quiesced = false;
	log_parent_after_fork();
	epoll_map_parent_after_fork();
	socks_parent_after_fork();
	capture_parent_after_fork();
	record_parent_after_fork();
	writer_parent_after_fork();
	sigblock_restore(&fork_mask);
}

/* A page that a child made by clone() without CLONE_VM gets zeroed
 * (MADV_WIPEONFORK, Linux 4.14), while the process that armed it, and a
 * CLONE_VM child sharing its memory, read it set. Such a clone runs no
 * fork handler (Chromium's base::ForkWithFlags, a raw clone system call,
 * starts its zygote in new namespaces, then execs): before it writes
 * anything at exec or _exit, it must become a child of its own, as after
 * fork, instead of writing the events its parent had not written yet a
 * second time, under locks another thread of the parent may have held. */
static volatile int *copy_token;

static void arm_copy_token(void) {
	if (!copy_token) {
		long page = sysconf(_SC_PAGESIZE);
		void *m = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) return;
		if (madvise(m, (size_t)page, MADV_WIPEONFORK) != 0) { /* older kernel: no way to tell */
			munmap(m, (size_t)page);
			return;
		}
		copy_token = m;
	}
	*copy_token = 1;
}

static void atfork_child(void);

/* Called where a process leaves (exec, _exit, exit): a copy no fork
 * handler saw is set up now as fork would have. */
static void adopt_if_copied(void) {
	if (copy_token && *copy_token == 0) atfork_child();
}

/* In the child of a fork: fresh locks (whatever the parent's threads held
 * stays held in the parent only), a new process directory, and each
 * inherited socket restarted with a forked_socket event. */
static void atfork_child(void) {
	bool was_quiesced = quiesced;
	quiesced = false;
	if (state != ST_READY) return;
	tstate_reset_after_fork();
	hazard_reset_after_fork();
	ownfd_reset_after_fork();
	record_reset_after_fork();
	log_reset_after_fork();
	writer_reset_after_fork();
	sandbox_reset_after_fork();
	sockstream_reset_after_fork();
	socks_reset_after_fork();
	capture_reset_after_fork();
	epoll_map_reset_after_fork();
	fdt_fork_child();
	arm_copy_token();
	if (was_quiesced) sigblock_restore(&fork_mask);
}

/* Runs once, in the first thread that reaches a hook or our constructor,
 * possibly from inside the program's allocator while it initialises itself
 * (jemalloc calls syscall(SYS_close, ...) under its init lock, reached
 * from another library's constructor). So nothing here may allocate or take
 * a lock that code may hold: static buffers only, and hooks this thread
 * reaches meanwhile pass straight through (in_shim). */
static void init(void) {
	int saved = errno;
	real_init();
	options_load();
	if (!opt.dir[0]) {
		state = ST_DISABLED;
		errno = saved;
		return;
	}
	save_env();
	hazard_init();
	ownfd_init();
	sandbox_init();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	arm_copy_token();
	signals_init();
	__atomic_store_n(&state, ST_READY, __ATOMIC_RELEASE);
	slog(LOG_DEBUG, "shim %s (%s) loaded in pid %d", TCPSNITCH_VERSION, TCPSNITCH_GIT_HASH, (int)getpid());
	errno = saved;
}

/* How long another thread waits for an initialisation under way before it
 * lets its call through untraced: the initialising thread may itself wait
 * for a lock that thread holds (the dynamic loader's, in a constructor). */
#define INIT_WAIT_MS 1000

bool shim_init_once(void) {
	struct tstate *ts = tstate_get();
	int st = ST_NEW;
	if (__atomic_compare_exchange_n(&state, &st, ST_STARTING, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		int was = ts->in_shim;
		ts->in_shim = 1;
		init();
		ts->in_shim = was;
		return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_READY;
	}
	/* Re-entered from our own initialisation: straight through. */
	for (int i = 0; st == ST_STARTING && !ts->in_shim && i < INIT_WAIT_MS; i++) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		st = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	}
	return st == ST_READY;
}

void shim_flush_before_leaving(void) {
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_READY) return;
	if (!tstate_in_handler()) adopt_if_copied();
	if (tstate_in_handler()) {
		/* _exit or exec from a signal handler: the interrupted code may
		 * hold the locks a flush takes; the writer thread does it. */
		writer_flush_from_signal(3000);
		return;
	}
	writer_flush_all(true);
	writer_summary();
}

__attribute__((constructor)) static void shim_constructor(void) {
	if (shim_ready()) options_load_local_time();
}

__attribute__((destructor)) static void shim_destructor(void) {
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_READY) return;
	/* exit writes stdio buffers after the destructors: those of the
	 * socket streams are written now, to be in the trace. */
	sockstream_flush_all();
	capture_stop_all();
	shim_flush_before_leaving();
	exiting = true;
}

static bool env_has(char *const envp[], const char *entry) {
	size_t k = strchr(entry, '=') - entry + 1;
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, entry, k)) return true;
	return false;
}

char **env_with_ours(char *const envp[]) {
	if (!nsaved) return (char **)envp;
	int missing = 0, n = 0;
	for (int i = 0; i < nsaved; i++) missing += !env_has(envp, saved_env[i]);
	if (!missing) return (char **)envp;
	for (char *const *e = envp; e && *e; e++) n++;
	/* mmap, not malloc: exec* may be called from a signal handler that
	 * interrupted malloc. The first slot keeps the mapping's size. */
	size_t size = (size_t)(n + missing + 2) * sizeof(char *);
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) return (char **)envp;
	((uintptr_t *)map)[0] = size;
	char **out = (char **)map + 1;
	int k = 0;
	for (int i = 0; i < n; i++) out[k++] = envp[i];
	for (int i = 0; i < nsaved; i++)
		if (!env_has(envp, saved_env[i])) out[k++] = saved_env[i];
	out[k] = NULL;
	return out;
}

void env_free(char **env, char *const orig[]) {
	if (env == (char **)orig) return;
	void *map = env - 1;
	munmap(map, (size_t)((uintptr_t *)map)[0]);
}

/* Signals, two jobs.
 *
 * The program's handlers run inside a wrapper (handler_entry) that marks
 * the thread as being in a handler: the code it interrupted may hold
 * malloc's lock or one of ours, so what the handler records goes to the
 * lock-free reserve (record.c) and nothing on its path allocates or waits.
 * sigaction() and signal() install the wrapper in front of a handler and
 * report the program's own action back, so the program never sees it.
 *
 * Fatal signals: when the program leaves SIGHUP, SIGINT, SIGQUIT, SIGPIPE,
 * SIGTERM or a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) at their
 * default action (death), our handler has the writer save what was
 * recorded (async-signal-safely: it posts a semaphore and sleeps), then
 * dies of the same signal. The program never sees our handler: sigaction()
 * and signal() report SIG_DFL for it, and installing its own replaces ours
 * (a handler of the program is never skipped).
 *
 * Not seen: handlers installed with bsd_signal, sysv_signal, sigset or a
 * raw rt_sigaction system call (they do not go through our hooks); a handler
 * left with siglongjmp on an alternate stack (SA_ONSTACK) keeps its thread
 * in handler mode, which records through the reserve (slower, never
 * blocking) from then on. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "lifecycle.h"
#include "real.h"
#include "tstate.h"
#include "writer.h"

#define NSIG_MAX 65

static const int fatal_sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM,
				 SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static volatile sig_atomic_t ours[NSIG_MAX];

/* The program's action for each signal whose handler we wrap. */
static struct sigaction prog_act[NSIG_MAX];

static bool watched(int sig) {
	for (size_t i = 0; i < ARRAY_LEN(fatal_sigs); i++)
		if (fatal_sigs[i] == sig) return true;
	return false;
}

static bool is_function(const struct sigaction *a) {
	if (a->sa_flags & SA_SIGINFO) return a->sa_sigaction != NULL;
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN && a->sa_handler != SIG_ERR;
}

static void on_fatal(int sig);

/* SA_RESETHAND on a fatal signal, done here rather than by the kernel:
 * the action becomes the default as the program's handler starts, and
 * for us the default of a fatal signal is on_fatal (its final pass).
 * Node.js dies of SIGINT and SIGTERM this way: a handler with
 * SA_RESETHAND that raises the signal again; the kernel's reset to
 * SIG_DFL let the process die without the final pass. */
static void reset_to_default(int sig) {
	__atomic_store_n((void **)&prog_act[sig].sa_sigaction, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&prog_act[sig].sa_flags, 0, __ATOMIC_RELEASE);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	if (REAL(sigaction)(sig, &sa, NULL) == 0) ours[sig] = 1;
}

static void handler_entry(int sig, siginfo_t *info, void *uc) {
	struct tstate *ts = tstate_get();
	uintptr_t frame = ts->handler_frame;
	bool outermost = !ts->in_handler;
	/* The program's handler as it was when this signal came. */
	int flags = __atomic_load_n(&prog_act[sig].sa_flags, __ATOMIC_ACQUIRE);
	void *fn = __atomic_load_n((void **)&prog_act[sig].sa_sigaction, __ATOMIC_ACQUIRE);
	if ((flags & SA_RESETHAND) && watched(sig)) reset_to_default(sig);
	if (outermost) ts->handler_frame = (flags & SA_ONSTACK) ? 0 : (uintptr_t)__builtin_frame_address(0);
	ts->in_handler++;
	/* The interrupted code's sockets stay named while the handler's
	 * lookups name theirs (hazard.h). */
	void *hz0 = ts->hazard[0], *hz1 = ts->hazard[1];
	if (flags & SA_SIGINFO) ((void (*)(int, siginfo_t *, void *))fn)(sig, info, uc);
	else if (fn) ((void (*)(int))fn)(sig);
	__atomic_store_n(&ts->hazard[0], hz0, __ATOMIC_RELEASE);
	__atomic_store_n(&ts->hazard[1], hz1, __ATOMIC_RELEASE);
	ts->in_handler--;
	if (outermost) ts->handler_frame = frame;
}

static void on_fatal(int sig) {
	int saved = errno;
	writer_flush_from_signal(3000);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	REAL(sigaction)(sig, &dfl, NULL);
	ours[sig] = 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	errno = saved; /* not reached for a signal whose default is to die */
}

void signals_init(void) {
	for (size_t i = 0; i < ARRAY_LEN(fatal_sigs); i++) {
		int sig = fatal_sigs[i];
		struct sigaction old, sa;
		if (REAL(sigaction)(sig, NULL, &old) < 0) continue;
		if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal;
		/* On the program's alternate stack if it has one (a stack
		 * overflow); when it has none, on the current stack. */
		sa.sa_flags = SA_RESTART | SA_ONSTACK;
		sigfillset(&sa.sa_mask);
		if (REAL(sigaction)(sig, &sa, NULL) == 0) ours[sig] = 1;
	}
}

/* What the program is told was installed, from what the kernel had. */
static void program_view(int sig, const struct sigaction *k, const struct sigaction *prior, struct sigaction *old) {
	*old = *k;
	if ((k->sa_flags & SA_SIGINFO) && k->sa_sigaction == handler_entry) {
		*old = *prior;
	} else if (!(k->sa_flags & SA_SIGINFO) && k->sa_handler == on_fatal) {
		memset(old, 0, sizeof *old);
		old->sa_handler = SIG_DFL;
	}
	(void)sig;
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
	if (sig <= 0 || sig >= NSIG_MAX) return REAL(sigaction)(sig, act, old);
	struct sigaction mine, kold, prior = prog_act[sig];
	const struct sigaction *use = act;
	if (act && is_function(act)) {
		/* Published before the kernel can call the wrapper with it. */
		mine = *act;
		__atomic_store_n(&prog_act[sig].sa_flags, act->sa_flags, __ATOMIC_RELAXED);
		prog_act[sig].sa_mask = act->sa_mask;
		__atomic_store_n((void **)&prog_act[sig].sa_sigaction, (void *)act->sa_sigaction, __ATOMIC_RELEASE);
		mine.sa_sigaction = handler_entry;
		mine.sa_flags |= SA_SIGINFO;
		/* handler_entry resets a fatal signal itself (reset_to_default). */
		if (watched(sig)) mine.sa_flags &= ~SA_RESETHAND;
		use = &mine;
	}
	int rc = REAL(sigaction)(sig, use, &kold);
	if (rc < 0) {
		if (use == &mine) prog_act[sig] = prior;
		return rc;
	}
	if (old) program_view(sig, &kold, &prior, old);
	if (act && watched(sig)) ours[sig] = 0;
	return rc;
}

/* What sigaction() reported as installed, as signal() returns it. */
static sighandler_t disposition(const struct sigaction *old) {
	return (old->sa_flags & SA_SIGINFO) ? (sighandler_t)(void *)old->sa_sigaction : old->sa_handler;
}

/* signal() is sigaction() with BSD semantics (glibc and bionic): the
 * handler stays installed, interrupted calls restart. */
EXPORT sighandler_t signal(int sig, sighandler_t handler) {
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0) return SIG_ERR;
	/* (bionic marks signal() non-null although SIG_DFL is 0.) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnonnull"
	return disposition(&old);
#pragma GCC diagnostic pop
}

/* The other ways glibc and bionic offer to install a handler go through
 * sigaction() above, so their handlers are seen as handlers too (what they
 * record goes to the reserve). */
EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) { return signal(sig, handler); }

/* glibc's; bionic has them from Android 8 (API 26): defined here on every
 * platform, so the exported list is the same everywhere. */
#ifndef SIG_HOLD
#define SIG_HOLD ((sighandler_t)2)
#endif

/* System V semantics: the handler is reset to SIG_DFL when it runs, and the
 * signal is not blocked while it runs. */
static sighandler_t install_sysv(int sig, sighandler_t handler) {
	if (handler == SIG_ERR || sig <= 0 || sig >= NSIG_MAX) {
		errno = EINVAL;
		return SIG_ERR;
	}
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	if (sigaction(sig, &sa, &old) < 0) return SIG_ERR;
	return disposition(&old);
}

EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler) { return install_sysv(sig, handler); }
EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler) { return install_sysv(sig, handler); }

/* sigset(3): SIG_HOLD blocks the signal; anything else installs it (no
 * flags, empty mask) and unblocks it. Returns SIG_HOLD when the signal was
 * blocked before, else the previous disposition. */
EXPORT sighandler_t sigset(int sig, sighandler_t disp) {
	if (disp == SIG_ERR || sig <= 0 || sig >= NSIG_MAX) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigset_t one, before;
	sigemptyset(&one);
	sigaddset(&one, sig);
	struct sigaction old;
	if (disp == SIG_HOLD) {
		if (sigaction(sig, NULL, &old) < 0 || sigprocmask(SIG_BLOCK, &one, &before) < 0) return SIG_ERR;
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = disp;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sig, &sa, &old) < 0 || sigprocmask(SIG_UNBLOCK, &one, &before) < 0) return SIG_ERR;
	}
	if (sigismember(&before, sig)) return SIG_HOLD;
	return disposition(&old);
}

/* Fatal signals: when the program leaves SIGHUP, SIGINT, SIGQUIT, SIGPIPE
 * or SIGTERM at their default action (death), our handler has the writer
 * save what was recorded, then dies of the same signal. The program never
 * sees our handler: sigaction() and signal() report SIG_DFL for it, and
 * installing its own replaces ours. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "lifecycle.h"
#include "real.h"
#include "writer.h"

static const int fatal_sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM};
static volatile sig_atomic_t ours[65];

static bool watched(int sig) {
	for (size_t i = 0; i < ARRAY_LEN(fatal_sigs); i++)
		if (fatal_sigs[i] == sig) return true;
	return false;
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
		sa.sa_flags = SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (REAL(sigaction)(sig, &sa, NULL) == 0) ours[sig] = 1;
	}
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
	if (sig <= 0 || sig >= 65 || !watched(sig) || !ours[sig]) return REAL(sigaction)(sig, act, old);
	struct sigaction mine;
	int rc = REAL(sigaction)(sig, act, old ? &mine : NULL);
	if (rc < 0) return rc;
	if (old) { /* the program's view: the default action */
		memset(old, 0, sizeof *old);
		old->sa_handler = SIG_DFL;
	}
	if (act) ours[sig] = 0;
	return rc;
}

EXPORT sighandler_t signal(int sig, sighandler_t handler) {
	if (sig <= 0 || sig >= 65 || !watched(sig) || !ours[sig]) return REAL(signal)(sig, handler);
	sighandler_t prev = REAL(signal)(sig, handler);
	if (prev == SIG_ERR) return prev;
	ours[sig] = 0;
	/* What the program had installed, as far as it knows. (bionic marks
	 * signal() non-null although SIG_DFL is 0.) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnonnull"
	return SIG_DFL;
#pragma GCC diagnostic pop
}

/* Log lines are rare (start, warnings, errors, exit summary), so each one is
 * formatted and written on the spot; before the process directory exists,
 * lines meant for logs.txt wait in a small buffer. */
#include "log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "ownfd.h"
#include "sigblock.h"
#include "real.h"
#include "sandbox.h"
#include "runlog.h"
#include "tstate.h"

#ifdef __ANDROID__
#include <android/log.h>
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char logpath[600];
static char early[4096];
static size_t early_len;

static const char *level_name(int level) {
	static const char *names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "ALL"};
	return level >= 0 && level <= 5 ? names[level] : "?";
}

static void append_file(const char *path, const char *s, size_t n) {
	struct ownfile f;
	if (!ownfile_open(&f, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) return;
	(void)ownfile_write(&f, s, n);
	ownfile_close(&f);
}

static void to_logcat(int level, const char *msg) {
#ifdef __ANDROID__
	int prio = level <= LOG_ERROR ? ANDROID_LOG_ERROR : level == LOG_WARN ? ANDROID_LOG_WARN
		 : level == LOG_INFO ? ANDROID_LOG_INFO : ANDROID_LOG_DEBUG;
	__android_log_print(prio, "tcpsnitch", "%s", msg);
#elif defined(TCPSNITCH_ANDROID_SIM)
	/* The simulated device's logcat: "<prio>/tcpsnitch(<pid>): <msg>". */
	const char *path = getenv("TCPSNITCH_SIM_LOGCAT");
	if (!path) return;
	char line[1200];
	int n = snprintf(line, sizeof line, "%c/tcpsnitch(%d): %s\n", "?EWIDV"[level < 0 || level > 5 ? 0 : level],
			 (int)getpid(), msg);
	if (n > (int)sizeof line - 1) n = sizeof line - 1;
	append_file(path, line, (size_t)n);
#else
	(void)level, (void)msg;
#endif
}

void slog(int level, const char *fmt, ...) {
	bool to_file = level <= opt.file_level, to_err = level <= opt.stderr_level;
	bool to_cat = false;
#if defined(__ANDROID__) || defined(TCPSNITCH_ANDROID_SIM)
	to_cat = level <= LOG_INFO;
#endif
	bool to_run = level <= LOG_WARN && runlog_enabled(); /* the CLI reports these */
	if (!to_file && !to_err && !to_cat && !to_run) return;
	int saved = errno;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim;
	ts->in_shim = 1; /* liblog and our writes go through our own hooks */

	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char line[1200];
	int n = snprintf(line, sizeof line, "[%lld.%06ld] %-5s [pid %d] %s\n", (long long)now.tv_sec,
			 now.tv_nsec / 1000, level_name(level), (int)getpid(), msg);
	if (n > (int)sizeof line - 1) n = sizeof line - 1;

	if (sandbox_files_limited()) to_err = to_run = false; /* stderr may be a file: SIGXFSZ */
	if (to_err) {
		char e[1200];
		/* The exit summary names itself already: no "tcpsnitch: tcpsnitch:". */
		bool named = !strncmp(msg, "tcpsnitch: ", 11);
		int m = snprintf(e, sizeof e, "%s%s\n", named ? "" : "tcpsnitch: ", msg);
		if (m > (int)sizeof e - 1) m = sizeof e - 1;
		if (sandbox_write_fits(2, (size_t)m)) (void)!REAL(write)(2, e, (size_t)m);
	}
	if (to_cat) to_logcat(level, msg);
	if (to_run) runlog_line(level, msg);
	if (to_file) {
		sigset_t mask;
		sigblock_all(&mask); /* a final pass logs its summary (sigblock.h) */
		pthread_mutex_lock(&lock);
		if (sandbox_log_take(line, (size_t)n)) {
			/* kept in the spool: logs.txt would pass the file size limit */
		} else if (logpath[0]) {
			append_file(logpath, line, (size_t)n);
		} else if (early_len + (size_t)n < sizeof early) {
			memcpy(early + early_len, line, (size_t)n);
			early_len += (size_t)n;
		}
		pthread_mutex_unlock(&lock);
		sigblock_restore(&mask);
	}
	ts->in_shim = was;
	errno = saved;
}

void log_procdir_ready(const char *procdir) {
	pthread_mutex_lock(&lock);
	snprintf(logpath, sizeof logpath, "%s/logs.txt", procdir);
	if (early_len) append_file(logpath, early, early_len);
	early_len = 0;
	pthread_mutex_unlock(&lock);
}

void log_prepare_fork(void) { pthread_mutex_lock(&lock); }
void log_parent_after_fork(void) { pthread_mutex_unlock(&lock); }

void log_reset_after_fork(void) {
	pthread_mutex_init(&lock, NULL);
	logpath[0] = 0;
	early_len = 0;
}

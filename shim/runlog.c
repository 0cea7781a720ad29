/* Lines are rare (warnings, one summary per process): each is one write()
 * of a whole line with O_APPEND, so lines of concurrent processes never
 * mix. The file is opened per line (no fd of ours stays open in the
 * program) and never created: once the CLI has removed it, a process that
 * outlived the run writes nothing. */
#include "runlog.h"

#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "real.h"
#include "sandbox.h"
#include "tstate.h"

bool runlog_enabled(void) { return opt.run_log[0] != 0; }

static void append(const char *line, int n) {
	if (sandbox_files_limited()) return; /* the write would raise SIGXFSZ */
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	int fd = open(opt.run_log, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0) {
		if (sandbox_write_fits(fd, (size_t)n)) (void)!REAL(write)(fd, line, (size_t)n);
		REAL(close)(fd);
	}
	ts->in_shim = was;
	errno = saved;
}

void runlog_line(int level, const char *msg) {
	if (!runlog_enabled()) return;
	char line[1200];
	int n = snprintf(line, sizeof line, "%d %s %s", (int)getpid(), level <= LOG_ERROR ? "ERROR" : "WARN", msg);
	if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
	/* One line per message: a newline inside would read as another. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n') line[i] = ' ';
	line[n++] = '\n';
	append(line, n);
}

void runlog_summary(long events, long dropped, int sockets) {
	if (!runlog_enabled()) return;
	char line[128];
	int n = snprintf(line, sizeof line, "%d SUMMARY %ld %ld %d\n", (int)getpid(), events, dropped, sockets);
	append(line, n);
}

void runlog_exec(void) {
	if (!runlog_enabled()) return;
	char line[64];
	int n = snprintf(line, sizeof line, "%d EXEC\n", (int)getpid());
	append(line, n);
}

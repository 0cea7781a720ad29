/* The shim's own log: logs.txt in the process directory (-f level), stderr
 * (-l level), and logcat on Android. Levels as in the original tcpsnitch. */
#ifndef TCPSNITCH_LOG_H
#define TCPSNITCH_LOG_H

#include "shim.h"

enum log_level { LOG_OFF = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4, LOG_ALL = 5 };

void slog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Called once the process directory exists: writes what was logged before. */
void log_procdir_ready(const char *procdir);
/* After fork: the child starts a new log in its own directory. */
void log_reset_after_fork(void);
/* fork: no line half copied into the early buffer in prepare. */
void log_prepare_fork(void);
void log_parent_after_fork(void);

#endif

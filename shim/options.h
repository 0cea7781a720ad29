/* The shim's options, read once at start: environment variables on Linux,
 * debug.tcpsnitch.* system properties on Android (see docs/internals.md). */
#ifndef TCPSNITCH_OPTIONS_H
#define TCPSNITCH_OPTIONS_H

#include "shim.h"

struct options {
	char dir[512];        /* -d: trace directory; empty = tracing disabled */
	uint64_t tcpinfo_bytes; /* -b */
	uint64_t tcpinfo_usec;  /* -u */
	bool capture;           /* -c */
	int file_level;         /* -f */
	int stderr_level;       /* -l */
	uint64_t flush_ms;      /* -t */
	bool verbose;           /* -v */
	int verbose_time;       /* -v timestamps: 0 none, 1 wall clock, 2 relative */
	long verbose_utc_offset; /* local time - UTC in seconds, read once at start */
	char verbose_file[1024]; /* -o: file the -v lines go to; empty = stderr */
	char run_log[1024];     /* the CLI's run log (runlog.h); empty = none */
};

extern struct options opt;
void options_load(void);
/* The UTC offset for -v local times (from the constructor: it may allocate;
 * lines printed before it say UTC). */
void options_load_local_time(void);

/* Reads one raw option value ("b", "d", "verbose_file", ...) into buf;
 * false if unset. On Linux the variable is TCPSNITCH_OPT_<NAME IN CAPITALS>,
 * on Android the property debug.tcpsnitch.<name>. A value longer than buf
 * counts as unset and sets *too_long (when given): a truncated path would
 * send the trace somewhere else. */
bool option_raw(const char *name, char *buf, size_t len);
bool option_path(const char *name, char *buf, size_t len, bool *too_long);

#endif

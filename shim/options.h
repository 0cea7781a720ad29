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
};

extern struct options opt;
void options_load(void);

/* Reads one raw option value ("b", "d", ...) into buf; false if unset. */
bool option_raw(const char *name, char *buf, size_t len);

#endif

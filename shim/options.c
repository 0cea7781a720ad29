/* Loads the options from the environment (Linux) or system properties
 * (Android, and the android-sim build used by the Android tests). */
#include "options.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "props.h"

struct options opt;

/* value of the option into buf; returns its full length, or -1 when unset. */
static int option_value(const char *name, char *buf, size_t len) {
#if defined(__ANDROID__) || defined(TCPSNITCH_ANDROID_SIM)
	char key[64];
	snprintf(key, sizeof key, "debug.tcpsnitch.%s", name);
	if (!prop_get(key, buf, len) || !buf[0]) return -1;
	return (int)strlen(buf);
#else
	char key[64] = "TCPSNITCH_OPT_";
	size_t k = strlen(key);
	for (const char *c = name; *c && k < sizeof key - 1; c++) key[k++] = (char)toupper((unsigned char)*c);
	key[k] = 0;
	const char *v = getenv(key);
	if (!v || !v[0]) return -1;
	return snprintf(buf, len, "%s", v);
#endif
}

bool option_raw(const char *name, char *buf, size_t len) { return option_value(name, buf, len) >= 0; }

bool option_path(const char *name, char *buf, size_t len, bool *too_long) {
	int n = option_value(name, buf, len);
	if (n >= (int)len) {
		buf[0] = 0;
		if (too_long) *too_long = true;
		return false;
	}
	return n >= 0;
}

static uint64_t opt_u64(const char *name, uint64_t def) {
	char buf[64];
	if (!option_raw(name, buf, sizeof buf)) return def;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	/* The CLI validates values; a bad one set by hand keeps the default. */
	if (errno || *end || buf[0] == '-') return def;
	return v;
}

void options_load_local_time(void) {
	if (opt.verbose_time != 1) return;
	/* localtime_r is no call for a hook or a signal handler, nor for the
	 * shim's initialisation (it may allocate, and initialisation may run
	 * inside the program's allocator): once, from our constructor. */
	int saved = errno;
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm)) opt.verbose_utc_offset = tm.tm_gmtoff;
	errno = saved;
}

void options_load(void) {
	int saved = errno;
	bool too_long = false;
	/* A trace directory the shim cannot hold disables tracing rather than
	 * writing into a truncated path (the CLI refuses such a path first). */
	if (!option_path("d", opt.dir, sizeof opt.dir, &too_long)) opt.dir[0] = 0;
	opt.tcpinfo_bytes = opt_u64("b", 0);
	opt.tcpinfo_usec = opt_u64("u", 0);
	opt.capture = opt_u64("c", 0) != 0;
	opt.file_level = (int)opt_u64("f", 2);
	opt.stderr_level = (int)opt_u64("l", 1);
	opt.flush_ms = opt_u64("t", 1000);
	if (opt.flush_ms == 0) opt.flush_ms = 1;
	opt.verbose = opt_u64("v", 0) != 0;
	opt.verbose_time = (int)opt_u64("verbose_time", 0);
	if (!option_path("verbose_file", opt.verbose_file, sizeof opt.verbose_file, NULL)) opt.verbose_file[0] = 0;
	if (!option_path("run_log", opt.run_log, sizeof opt.run_log, NULL)) opt.run_log[0] = 0;
	errno = saved;
}

/* Loads the options from the environment (Linux) or system properties
 * (Android, and the android-sim build used by the Android tests). */
#include "options.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"

struct options opt;

bool option_raw(const char *name, char *buf, size_t len) {
#if defined(__ANDROID__) || defined(TCPSNITCH_ANDROID_SIM)
	char key[64];
	snprintf(key, sizeof key, "debug.tcpsnitch.%s", name);
	return prop_get(key, buf, len) && buf[0];
#else
	char key[32];
	snprintf(key, sizeof key, "TCPSNITCH_OPT_%c", toupper((unsigned char)name[0]));
	const char *v = getenv(key);
	if (!v || !v[0]) return false;
	snprintf(buf, len, "%s", v);
	return true;
#endif
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

void options_load(void) {
	int saved = errno;
	if (!option_raw("d", opt.dir, sizeof opt.dir)) opt.dir[0] = 0;
	opt.tcpinfo_bytes = opt_u64("b", 0);
	opt.tcpinfo_usec = opt_u64("u", 0);
	opt.capture = opt_u64("c", 0) != 0;
	opt.file_level = (int)opt_u64("f", 2);
	opt.stderr_level = (int)opt_u64("l", 1);
	opt.flush_ms = opt_u64("t", 1000);
	if (opt.flush_ms == 0) opt.flush_ms = 1;
	opt.verbose = opt_u64("v", 0) != 0;
	errno = saved;
}

#include "procname.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "real.h"

static char name[65];
static bool have; /* name holds the name read at load */

static void read_name(char *out, size_t len) {
	char buf[512] = "";
	/* The real calls: our own hooks have nothing to do with this fd. */
	int fd = REAL(open)("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = REAL(read)(fd, buf, sizeof buf - 1);
		REAL(close)(fd);
		buf[n > 0 ? n : 0] = 0;
	}
	const char *base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (!*base) base = "app";
	size_t i = 0;
	for (; base[i] && i < len - 1 && i < 64; i++) out[i] = (base[i] == ':' || base[i] == ' ') ? '_' : base[i];
	out[i] = 0;
}

#if !defined(__ANDROID__) && !defined(TCPSNITCH_ANDROID_SIM)
/* At load: before main, so before the program can change its title. */
__attribute__((constructor)) static void procname_at_load(void) {
	if (__atomic_load_n(&have, __ATOMIC_ACQUIRE)) return;
	if (!getenv("TCPSNITCH_OPT_D")) return; /* not traced: no name needed */
	read_name(name, sizeof name);
	__atomic_store_n(&have, true, __ATOMIC_RELEASE);
}
#endif

void procname_get(char *out, size_t len) {
	if (!__atomic_load_n(&have, __ATOMIC_ACQUIRE)) {
		/* Android, or a directory made by another library's constructor
		 * before ours ran (still before main). */
		read_name(out, len);
		return;
	}
	snprintf(out, len, "%s", name);
}

#include "props.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real.h"

#ifdef __ANDROID__
#include <sys/system_properties.h>

bool prop_get(const char *name, char *buf, size_t len) {
	char v[PROP_VALUE_MAX] = "";
	if (__system_property_get(name, v) <= 0) return false;
	snprintf(buf, len, "%s", v);
	return true;
}

#elif defined(TCPSNITCH_ANDROID_SIM)

/* Reads the whole store each time: options are read once, at start. */
bool prop_get(const char *name, char *buf, size_t len) {
	const char *path = getenv("TCPSNITCH_SIM_PROPS");
	if (!path) return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return false;
	char data[16384];
	ssize_t n = REAL(read)(fd, data, sizeof data - 1);
	REAL(close)(fd);
	if (n <= 0) return false;
	data[n] = 0;
	size_t nl = strlen(name);
	for (char *line = data; line && *line;) {
		char *next = strchr(line, '\n');
		if (next) *next++ = 0;
		if (!strncmp(line, name, nl) && line[nl] == '=') {
			snprintf(buf, len, "%s", line + nl + 1);
			return true;
		}
		line = next;
	}
	return false;
}

#else

bool prop_get(const char *name, char *buf, size_t len) {
	(void)name, (void)buf, (void)len;
	return false;
}

#endif

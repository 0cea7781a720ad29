#include "json_writer.h"

#include <stdio.h>

const char jw_digit_pairs[200] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes `"s"` with JSON escapes (values may come from the program, e.g.
 * fdopen's mode). */
void jw_quoted(struct jw *w, const char *s) {
	char buf[256];
	size_t n = 0;
	buf[n++] = '"';
	for (; *s; s++) {
		if (n > sizeof buf - 8) {
			outbuf_add(w->o, buf, n);
			n = 0;
		}
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(buf + n, 7, "\\u%04x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	outbuf_add(w->o, buf, n);
}

#include "json_writer.h"

void jw_init(struct jw *w, struct outbuf *o) {
	w->o = o;
	w->depth = 0;
	w->first[0] = true;
}

static void put(struct jw *w, const char *s, size_t n) { outbuf_add(w->o, s, n); }
#define PUTS(w, lit) put(w, lit, sizeof(lit) - 1)

/* Writes `"s"` with JSON escapes (keys are ours, values may come from the
 * program, e.g. fdopen's mode). */
static void quoted(struct jw *w, const char *s) {
	char buf[256];
	size_t n = 0;
	buf[n++] = '"';
	for (; *s; s++) {
		if (n > sizeof buf - 8) {
			put(w, buf, n);
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
	put(w, buf, n);
}

/* Separator, then the key if we are inside an object. Keys are the shim's
 * own constants (no escaping needed): one copy, this runs for every field. */
static void lead(struct jw *w, const char *key) {
	char buf[72];
	size_t n = 0;
	if (!w->first[w->depth]) {
		buf[n++] = ',';
		buf[n++] = ' ';
	}
	w->first[w->depth] = false;
	if (key) {
		size_t k = strlen(key);
		if (k > sizeof buf - 8) { /* not one of ours: take the safe path */
			put(w, buf, n);
			quoted(w, key);
			PUTS(w, ": ");
			return;
		}
		buf[n++] = '"';
		memcpy(buf + n, key, k);
		n += k;
		buf[n++] = '"';
		buf[n++] = ':';
		buf[n++] = ' ';
	}
	put(w, buf, n);
}

static void open_level(struct jw *w, const char *key, char c) {
	lead(w, key);
	put(w, &c, 1);
	if (w->depth < JW_DEPTH - 1) w->depth++;
	w->first[w->depth] = true;
}

void jw_obj_begin(struct jw *w, const char *key) { open_level(w, key, '{'); }
void jw_arr_begin(struct jw *w, const char *key) { open_level(w, key, '['); }

void jw_obj_end(struct jw *w) {
	if (w->depth > 0) w->depth--;
	PUTS(w, "}");
}

void jw_arr_end(struct jw *w) {
	if (w->depth > 0) w->depth--;
	PUTS(w, "]");
}

void jw_int(struct jw *w, const char *key, int64_t v) {
	lead(w, key);
	char buf[24], *p = buf + sizeof buf;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do *--p = (char)('0' + u % 10); while (u /= 10);
	if (v < 0) *--p = '-';
	put(w, p, (size_t)(buf + sizeof buf - p));
}

void jw_bool(struct jw *w, const char *key, bool v) {
	lead(w, key);
	if (v) PUTS(w, "true");
	else PUTS(w, "false");
}

void jw_str(struct jw *w, const char *key, const char *v) {
	lead(w, key);
	quoted(w, v);
}

void jw_null(struct jw *w, const char *key) {
	lead(w, key);
	PUTS(w, "null");
}

/* A streaming JSON writer into an outbuf, in the layout jansson's
 * json_dumps(…, 0) produces: {"key": value, "key2": [1, 2]}.
 *
 * Why not jansson: building and dumping a jansson object costs ~10 µs per
 * event even with preallocated objects and json_dumpb (measured here),
 * which alone made a traced loopback ping-pong 4x slower than native.
 *
 * Why inline: an event is ~10-20 fields and this runs for every event. Inlined,
 * strlen() of the literal keys folds to a constant and each field is one
 * bounds check and a few stores straight into the buffer (~8 ns a field,
 * against ~30 ns through calls and an intermediate copy). Keys are always
 * the shim's own literals, so they need no escaping; values that may come
 * from the program go through jw_str, which escapes. */
#ifndef TCPSNITCH_JSON_WRITER_H
#define TCPSNITCH_JSON_WRITER_H

#include "outbuf.h"
#include "shim.h"

#define JW_DEPTH 8

/* Forced: the compiler would keep the bigger ones out of line, and then
 * strlen(key) is no longer a constant. */
#define JW_INLINE inline __attribute__((always_inline))

struct jw {
	struct outbuf *o;
	int depth;
	bool first[JW_DEPTH]; /* no element written yet at this level */
};

void jw_quoted(struct jw *w, const char *s); /* "s", escaped */

static JW_INLINE void jw_init(struct jw *w, struct outbuf *o) {
	w->o = o;
	w->depth = 0;
	w->first[0] = true;
}

/* Separator, then `"key": ` if key is not NULL (inside an object), with
 * `extra` more bytes of room for the value. Returns where the value goes,
 * or NULL when memory ran out (the rest of the line is then left out). */
static JW_INLINE char *jw_lead(struct jw *w, const char *key, size_t extra) {
	size_t k = key ? strlen(key) : 0;
	char *p = outbuf_room(w->o, k + 6 + extra);
	if (!p) return NULL;
	if (!w->first[w->depth]) {
		*p++ = ',';
		*p++ = ' ';
	}
	w->first[w->depth] = false;
	if (key) {
		*p++ = '"';
		memcpy(p, key, k);
		p += k;
		*p++ = '"';
		*p++ = ':';
		*p++ = ' ';
	}
	return p;
}

static JW_INLINE void jw_done(struct jw *w, const char *end) { w->o->len = (size_t)(end - w->o->p); }

static JW_INLINE void jw_open(struct jw *w, const char *key, char c) {
	char *p = jw_lead(w, key, 1);
	if (!p) return;
	*p++ = c;
	jw_done(w, p);
	if (w->depth < JW_DEPTH - 1) w->depth++;
	w->first[w->depth] = true;
}

static JW_INLINE void jw_close(struct jw *w, char c) {
	if (w->depth > 0) w->depth--;
	outbuf_add(w->o, &c, 1);
}

/* key NULL: the top object, or an element of an array. */
static JW_INLINE void jw_obj_begin(struct jw *w, const char *key) { jw_open(w, key, '{'); }
static JW_INLINE void jw_arr_begin(struct jw *w, const char *key) { jw_open(w, key, '['); }
static JW_INLINE void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
static JW_INLINE void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

extern const char jw_digit_pairs[200]; /* "00" "01" … "99" */

static JW_INLINE void jw_int(struct jw *w, const char *key, int64_t v) {
	char *p = jw_lead(w, key, 20);
	if (!p) return;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (v < 0) *p++ = '-';
	int n = 1; /* digits of u; timestamps have 16, so two at a time */
	for (uint64_t t = u; t >= 10; t /= 10) n++;
	char *end = p + n;
	while (u >= 100) {
		end -= 2;
		memcpy(end, jw_digit_pairs + (u % 100) * 2, 2);
		u /= 100;
	}
	if (u >= 10) memcpy(end - 2, jw_digit_pairs + u * 2, 2);
	else end[-1] = (char)('0' + u);
	jw_done(w, p + n);
}

static JW_INLINE void jw_bool(struct jw *w, const char *key, bool v) {
	char *p = jw_lead(w, key, 5);
	if (!p) return;
	if (v) memcpy(p, "true", 4), p += 4;
	else memcpy(p, "false", 5), p += 5;
	jw_done(w, p);
}

static JW_INLINE void jw_null(struct jw *w, const char *key) {
	char *p = jw_lead(w, key, 4);
	if (!p) return;
	memcpy(p, "null", 4);
	jw_done(w, p + 4);
}

/* A string of the shim's own (event type, errno or constant name, address):
 * nothing in it needs escaping. */
static JW_INLINE void jw_name(struct jw *w, const char *key, const char *v) {
	size_t n = strlen(v);
	char *p = jw_lead(w, key, n + 2);
	if (!p) return;
	*p++ = '"';
	memcpy(p, v, n);
	p += n;
	*p++ = '"';
	jw_done(w, p);
}

/* A string that may come from the program: escaped. */
static JW_INLINE void jw_str(struct jw *w, const char *key, const char *v) {
	char *p = jw_lead(w, key, 0);
	if (!p) return;
	jw_done(w, p);
	jw_quoted(w, v);
}

#endif

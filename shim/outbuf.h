/* A growable byte buffer (the writer's output for one file). */
#ifndef TCPSNITCH_OUTBUF_H
#define TCPSNITCH_OUTBUF_H

#include <stdlib.h>
#include <string.h>

struct outbuf {
	char *p;
	size_t len, cap;
};

/* Grows o to hold n more bytes; false if memory ran out. */
static inline int outbuf_grow(struct outbuf *o, size_t n) {
	size_t cap = o->cap ? o->cap * 2 : 65536;
	while (cap < o->len + n) cap *= 2;
	char *p = realloc(o->p, cap);
	if (!p) return 0;
	o->p = p;
	o->cap = cap;
	return 1;
}

/* Where n more bytes can be written (the caller then moves len), or NULL. */
static inline char *outbuf_room(struct outbuf *o, size_t n) {
	if (o->len + n > o->cap && !outbuf_grow(o, n)) return NULL;
	return o->p + o->len;
}

static inline void outbuf_add(struct outbuf *o, const char *s, size_t n) {
	char *p = outbuf_room(o, n);
	if (!p) return;
	memcpy(p, s, n);
	o->len += n;
}

#endif

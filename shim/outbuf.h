/* A growable byte buffer (the writer's output for one file). */
#ifndef TCPSNITCH_OUTBUF_H
#define TCPSNITCH_OUTBUF_H

#include <stdlib.h>
#include <string.h>

struct outbuf {
	char *p;
	size_t len, cap;
};

static inline void outbuf_add(struct outbuf *o, const char *s, size_t n) {
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 65536;
		while (cap < o->len + n) cap *= 2;
		char *p = realloc(o->p, cap);
		if (!p) return;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

#endif

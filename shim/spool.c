#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ownfd.h"
#include "real.h"
#include "sandbox.h"
#include "writer.h"

/* v in 10 zero-padded decimal digits. */
static void put10(char *p, unsigned v) {
	for (int i = 9; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void spool_record_begin(struct outbuf *o, struct spool_pass *sp) {
	sp->open = 0;
	/* The header is written once the length is known; room is kept. */
	if (!outbuf_room(o, SPOOL_HDR)) return;
	sp->rec = o->len;
	o->len += SPOOL_HDR;
	sp->open = 1;
}

void spool_record_end(struct outbuf *o, struct spool_pass *sp, int id) {
	if (!sp->open) return;
	sp->open = 0;
	size_t body = o->len - sp->rec - SPOOL_HDR;
	if (!body) {
		o->len = sp->rec;
		return;
	}
	spool_header(o->p + sp->rec, (unsigned)id, (unsigned)body);
}

void spool_header(char *h, unsigned id, unsigned len) {
	/* "@%010u %010u\n" by hand: a pass writes a record per socket it
	 * finds with events, and snprintf showed in profiles of servers with
	 * a thousand live connections. */
	h[0] = '@';
	put10(h + 1, id);
	h[11] = ' ';
	put10(h + 12, len);
	h[22] = '\n';
}

long spool_events_in(const char *p, size_t n) {
	long events = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(p + i, '\n', n - i);
		if (p[i] != '@') events++; /* a JSON line, not a header */
		i = nl ? (size_t)(nl - p) + 1 : n;
	}
	return events;
}

void spool_append(struct outbuf *o, struct spool_pass *sp) {
	if (!o->len) return;
	if (sandbox_spool_take(o->p, o->len)) { /* the program limited its file size */
		o->len = 0;
		return;
	}
	if (!ownfile_is_open(&sp->f)) {
		const char *dir = procdir_get();
		if (!dir) { /* the process directory could not be made (said then) */
			writer_count_unwritten(spool_events_in(o->p, o->len));
			o->len = 0;
			return;
		}
		char path[800];
		snprintf(path, sizeof path, "%s/" SPOOL_NAME, dir);
		if (!ownfile_open(&sp->f, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) slog(LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
	}
	/* One write of whole records (O_APPEND): a kill can only cut the
	 * last one short. */
	if (!ownfile_is_open(&sp->f)) {
		writer_count_unwritten(spool_events_in(o->p, o->len));
	} else if (!ownfile_write(&sp->f, o->p, o->len)) {
		writer_count_unwritten(spool_events_in(o->p, o->len));
		static bool told_fsize; /* the limit stays: once is enough */
		if (errno != EFBIG) slog(LOG_ERROR, "cannot write %s/" SPOOL_NAME ": %s", procdir_get(), strerror(errno));
		else if (!__atomic_exchange_n(&told_fsize, true, __ATOMIC_RELAXED))
			slog(LOG_ERROR, "%s/" SPOOL_NAME " would pass the file size limit (ulimit -f): events are lost from here on", procdir_get());
	}
	o->len = 0;
}

void spool_pass_end(struct spool_pass *sp) {
	if (ownfile_is_open(&sp->f)) ownfile_close(&sp->f);
}

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
	char hdr[SPOOL_HDR + 1];
	snprintf(hdr, sizeof hdr, "@%010u %010u\n", (unsigned)id, (unsigned)body);
	memcpy(o->p + sp->rec, hdr, SPOOL_HDR);
}

void spool_append(struct outbuf *o, struct spool_pass *sp) {
	if (!o->len) return;
	if (sandbox_spool_take(o->p, o->len)) { /* the program limited its file size */
		o->len = 0;
		return;
	}
	if (!ownfile_is_open(&sp->f)) {
		const char *dir = procdir_get();
		if (!dir) {
			o->len = 0;
			return;
		}
		char path[800];
		snprintf(path, sizeof path, "%s/" SPOOL_NAME, dir);
		if (!ownfile_open(&sp->f, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) slog(LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
	}
	/* One write of whole records (O_APPEND): a kill can only cut the
	 * last one short. */
	if (ownfile_is_open(&sp->f) && !ownfile_write(&sp->f, o->p, o->len))
		slog(LOG_ERROR, "cannot write %s/" SPOOL_NAME ": %s", procdir_get(), strerror(errno));
	o->len = 0;
}

void spool_pass_end(struct spool_pass *sp) {
	if (ownfile_is_open(&sp->f)) ownfile_close(&sp->f);
}

/* The process spool: while the program runs, the writer appends every
 * socket's JSON lines to one file, <procdir>/events.spool, instead of
 * opening N.json per socket (creating thousands of files cost more than the
 * program's own run time). The CLI, or the host after an Android pull,
 * splits it into the documented N.json files (internal/spool).
 *
 * The file is a sequence of records: a 23-byte header
 * "@<socket index, 10 digits> <length, 10 digits>\n" then that many bytes
 * of complete JSON lines of that socket, in the order they were recorded.
 * A process killed while appending leaves a last record cut short; the
 * splitter keeps its complete lines.
 *
 * A process that limits its file size keeps its spool in a mapped tail
 * (sandbox.h) and cannot write logs.txt: its log lines go in a last record
 * of index SPOOL_NOTE_ID, which the splitter appends to logs.txt. */
#ifndef TCPSNITCH_SPOOL_H
#define TCPSNITCH_SPOOL_H

#include <stddef.h>

#include "outbuf.h"
#include "ownfd.h"

#define SPOOL_NAME "events.spool"
#define SPOOL_HDR 23
#define SPOOL_NOTE_ID 4294967295u

/* One writer pass: the spool is opened (an ownfile: kept out of the
 * program's way) on the first append and closed at the pass's end. */
struct spool_pass {
	struct ownfile f; /* fd -1 until opened */
	size_t rec;    /* offset in the buffer of the open record's header */
	int open;      /* a record is open */
};

/* Writes the header of a record of index id with len bytes at h. */
void spool_header(char *h, unsigned id, unsigned len);
/* Events (JSON lines) in n bytes of whole records. */
long spool_events_in(const char *p, size_t n);
/* Starts a record for socket id at the end of o. */
void spool_record_begin(struct outbuf *o, struct spool_pass *sp);
/* Ends the open record: fills its header, or removes it when empty. */
void spool_record_end(struct outbuf *o, struct spool_pass *sp, int id);
/* Appends o's text (whole records) to the spool and empties o. */
void spool_append(struct outbuf *o, struct spool_pass *sp);
/* Ends the pass: closes the spool. */
void spool_pass_end(struct spool_pass *sp);

#endif

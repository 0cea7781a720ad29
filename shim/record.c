#include "record.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event_json.h"
#include "lifecycle.h"
#include "log.h"
#include "options.h"
#include "real.h"
#include "tcpinfo.h"
#include "verbose.h"
#include "writer.h"

long pending_slots;


/* Adds bytes moved by this event to the -b counter; says whether a sample
 * is due. Called with s->lock held. */
static bool tcpinfo_due(struct sock *s, const struct event *ev) {
	if (s->info.type != SOCK_STREAM) return false;
	if (!opt.tcpinfo_bytes && !opt.tcpinfo_usec) return false;
	if (ev->ret > 0 && event_moves_bytes(ev->type)) s->bytes_since_info += (uint64_t)ev->ret;
	bool due = (opt.tcpinfo_bytes && s->bytes_since_info >= opt.tcpinfo_bytes) ||
		   (opt.tcpinfo_usec && ev->ts_usec - s->last_info_usec >= (int64_t)opt.tcpinfo_usec);
	if (due) {
		s->bytes_since_info = 0;
		s->last_info_usec = ev->ts_usec;
	}
	return due;
}

static struct chunk *new_chunk(uint32_t cap) {
	struct chunk *c = chunk_alloc(cap);
	if (!c) return NULL;
	/* One wake-up per KICK_SLOTS slots allocated: waking it for every new
	 * chunk past the mark would switch to it for a handful of events. */
	long now = __atomic_add_fetch(&pending_slots, (long)cap, __ATOMIC_RELAXED), before = now - (long)cap;
	if (now > KICK_SLOTS && now / KICK_SLOTS != before / KICK_SLOTS) writer_kick();
	return c;
}

/* Returns whether a TCP_INFO sample is due after this event. */
static bool append(struct sock *s, const struct event *ev) {
	pthread_mutex_lock(&s->lock);
	struct chunk *c = s->tail;
	if (!c || c->n == c->cap) {
		struct chunk *fresh = new_chunk(c || s->had_chunk ? CHUNK_EVENTS : CHUNK_FIRST_EVENTS);
		s->had_chunk = true;
		if (!fresh) {
			pthread_mutex_unlock(&s->lock);
			writer_count_dropped(1);
			return false;
		}
		if (c) c->next = fresh;
		else s->head = fresh;
		s->tail = c = fresh;
	}
	c->ev[c->n] = *ev;
	__atomic_store_n(&c->n, c->n + 1, __ATOMIC_RELEASE);
	if (!s->queued) socks_push_dirty(s);
	bool due = tcpinfo_due(s, ev);
	pthread_mutex_unlock(&s->lock);
	return due;
}

static void take_deferred(struct tstate *ts) {
	while (ts->dhead != __atomic_load_n(&ts->dtail, __ATOMIC_RELAXED)) {
		struct deferred *d = &ts->deferred[ts->dhead % DEFERRED_MAX];
		append(d->sock, &d->ev);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		ts->dhead++;
	}
}

void record(struct sock *s, int fd, struct event *ev) {
	struct tstate *ts = tstate_get();
	if (UNLIKELY(ts->depth > 0)) {
		/* A signal handler interrupted record() in this thread: the
		 * socket lock may be ours, so queue it for the outer call. */
		if (ts->dtail - ts->dhead < DEFERRED_MAX) {
			struct deferred *d = &ts->deferred[ts->dtail % DEFERRED_MAX];
			d->sock = s;
			d->fd = fd;
			d->ev = *ev;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			ts->dtail++;
		} else {
			writer_count_dropped(1);
		}
		return;
	}
	ts->depth = 1;
	bool due = append(s, ev);
	if (UNLIKELY(ts->dhead != ts->dtail)) take_deferred(ts);
	ts->depth = 0;
	if (UNLIKELY(ts->dhead != ts->dtail)) { /* a handler ran right before depth = 0 */
		ts->depth = 1;
		take_deferred(ts);
		ts->depth = 0;
	}
	if (UNLIKELY(opt.verbose)) verbose_print(fd, ev);
	if (UNLIKELY(due)) tcpinfo_sample(s, fd);
	if (UNLIKELY(__atomic_load_n(&pending_slots, __ATOMIC_RELAXED) > PENDING_SLOTS_MAX))
		writer_wait_drain();
	if (UNLIKELY(shim_exiting())) writer_flush_all(true);
}

void record_sockinfo_event(struct sock *s, int type, int fd, const struct ev_sockinfo *info) {
	struct event ev;
	ev_init(&ev, type, fd, false, 0);
	ev.fake = type != EV_SOCKET;
	ev.d.sock = *info;
	s->last_info_usec = ev.ts_usec;
	record(s, fd, &ev);
}

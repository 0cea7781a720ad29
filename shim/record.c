#include "record.h"

#include <pthread.h>
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

/* Set in the writer thread for a pass a signal handler asked for, while the
 * thread it interrupted may be frozen holding a socket's lock: socket
 * locks are then taken for at most 100 ms (the event is dropped after). */
static TSTATE_TLS bool drain_bounded;

/* Returns whether a TCP_INFO sample is due after this event. */
static bool append(struct sock *s, const struct event *ev) {
	if (UNLIKELY(drain_bounded)) {
		if (!lock_bounded(&s->lock, 100)) {
			writer_count_dropped(1);
			return false;
		}
	} else {
		pthread_mutex_lock(&s->lock);
	}
	struct chunk *c = s->tail;
	if (!c || c->n == c->cap) {
		/* Small while the socket has nothing pending (new, or its events
		 * just written): most sockets record a few events per pass. */
		struct chunk *fresh = new_chunk(c ? CHUNK_EVENTS : CHUNK_FIRST_EVENTS);
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

/* ---- the reserve: events recorded where nothing may block ----
 *
 * A program's signal handler may interrupt any code, including malloc (its
 * arena lock held) or record() itself (a socket's lock held). Its events go
 * to this fixed array instead: claimed with one compare-and-swap (a bounded
 * queue where each slot's sequence number says whose turn it is, so a slot
 * is never reused before it is drained), no allocation, no lock. The next
 * record() in normal context, or the writer's next pass, moves them into
 * their sockets in order: the interrupted thread's own next event comes
 * after its handler's. A socket is pinned while one of its events waits
 * here. */
#define RESERVE_SLOTS 256
static struct reserve_slot {
	unsigned seq;
	struct sock *sock;
	struct event ev;
} reserve[RESERVE_SLOTS];
static unsigned reserve_tail, reserve_head; /* tickets: claimed, drained */
static unsigned reserve_ready;              /* events published, not drained */
static pthread_mutex_t reserve_drain_lock = PTHREAD_MUTEX_INITIALIZER;

static void reserve_init(void) {
	for (unsigned i = 0; i < RESERVE_SLOTS; i++) reserve[i].seq = i;
	reserve_tail = reserve_head = reserve_ready = 0;
}

__attribute__((constructor)) static void reserve_ctor(void) { reserve_init(); }

/* Async-signal-safe. */
static void reserve_put(struct sock *s, const struct event *ev) {
	unsigned t = __atomic_load_n(&reserve_tail, __ATOMIC_RELAXED);
	for (;;) {
		struct reserve_slot *r = &reserve[t % RESERVE_SLOTS];
		unsigned seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		if (seq == t) {
			if (__atomic_compare_exchange_n(&reserve_tail, &t, t + 1, true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				__atomic_add_fetch(&s->pins, 1, __ATOMIC_ACQ_REL);
				r->sock = s;
				r->ev = *ev;
				__atomic_store_n(&r->seq, t + 1, __ATOMIC_RELEASE);
				unsigned n = __atomic_add_fetch(&reserve_ready, 1, __ATOMIC_RELEASE);
				if (n == RESERVE_SLOTS / 2) writer_kick();
				return;
			}
		} else if ((int)(seq - t) < 0) { /* full: the slot's last event is not drained */
			free(ev->extra);
			writer_count_dropped(1);
			writer_kick();
			return;
		} else {
			t = __atomic_load_n(&reserve_tail, __ATOMIC_RELAXED);
		}
	}
}

static bool append(struct sock *s, const struct event *ev);

void record_drain_reserve_bounded(void) {
	drain_bounded = true;
	record_drain_reserve();
	drain_bounded = false;
}

void record_drain_reserve(void) {
	if (pthread_mutex_trylock(&reserve_drain_lock)) return; /* another thread is at it */
	for (;;) {
		unsigned h = reserve_head;
		struct reserve_slot *r = &reserve[h % RESERVE_SLOTS];
		/* Not published yet (its handler is still filling it): later. */
		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != h + 1) break;
		struct sock *s = r->sock;
		append(s, &r->ev);
		__atomic_sub_fetch(&s->pins, 1, __ATOMIC_ACQ_REL);
		__atomic_sub_fetch(&reserve_ready, 1, __ATOMIC_RELAXED);
		reserve_head = h + 1;
		__atomic_store_n(&r->seq, h + RESERVE_SLOTS, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&reserve_drain_lock);
}

static inline bool reserve_pending(void) { return __atomic_load_n(&reserve_ready, __ATOMIC_RELAXED) != 0; }

void record_prepare_fork(void) { pthread_mutex_lock(&reserve_drain_lock); }
void record_parent_after_fork(void) { pthread_mutex_unlock(&reserve_drain_lock); }

void record_reset_after_fork(void) {
	/* The parent's waiting events are the parent's; their sockets are not
	 * the child's records. */
	pthread_mutex_init(&reserve_drain_lock, NULL);
	reserve_init();
}

void record(struct sock *s, int fd, struct event *ev) {
	struct tstate *ts = tstate_get();
	if (UNLIKELY(ts->depth > 0 || tstate_in_handler())) {
		/* A signal handler: the interrupted code may hold this socket's
		 * lock (it was in record()) or malloc's. */
		reserve_put(s, ev);
		return;
	}
	ts->depth = 1;
	/* A handler's events first: they happened before this call returned. */
	if (UNLIKELY(reserve_pending())) record_drain_reserve();
	bool due = append(s, ev);
	if (UNLIKELY(reserve_pending())) record_drain_reserve(); /* one interrupted append() */
	ts->depth = 0;
	if (UNLIKELY(++ts->recorded % KICK_EVENTS == 0)) writer_kick();
	if (UNLIKELY(opt.verbose)) verbose_print(fd, ev);
	if (UNLIKELY(due)) tcpinfo_sample(s, fd);
	if (UNLIKELY(__atomic_load_n(&pending_slots, __ATOMIC_RELAXED) > PENDING_SLOTS_MAX))
		writer_wait_drain();
	if (UNLIKELY(shim_exiting())) writer_flush_all(true);
}

void record_found_event(struct sock *s, int type, int fd, const struct ev_sockinfo *info) {
	struct event ev;
	ev_init(&ev, type, fd, false, 0);
	ev.fake = true;
	ev.d.found.sock = *info;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim; /* the shim's calls, not the program's */
	ts->in_shim = 1;
	sock_endpoints(fd, &ev.d.found.local, &ev.d.found.peer, &ev.d.found.listening);
	ts->in_shim = was;
	s->last_info_usec = ev.ts_usec;
	record(s, fd, &ev);
}

void record_socket_event(struct sock *s, int fd, const struct ev_sockinfo *info) {
	struct event ev;
	ev_init(&ev, EV_SOCKET, fd, false, 0);
	ev.d.sock = *info;
	s->last_info_usec = ev.ts_usec;
	record(s, fd, &ev);
}

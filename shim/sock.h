/* One traced internet socket: its identity in the trace (N.json), its
 * pending events, and its TCP_INFO cadence. Shared by every fd that refers
 * to it (dup, dup2, fcntl F_DUPFD). */
#ifndef TCPSNITCH_SOCK_H
#define TCPSNITCH_SOCK_H

#include <pthread.h>

#include "event.h"

/* A socket's first chunk after each writer pass is small (most sockets of
 * a busy server see a handful of calls between passes); the next ones,
 * while it keeps recording, are bigger. */
#define CHUNK_FIRST_EVENTS 8
#define CHUNK_EVENTS 64

struct chunk {
	struct chunk *next;
	uint32_t n;   /* events filled; read by a lock-less final flush */
	uint32_t cap; /* events it can hold */
	struct event ev[];
};

/* Chunks of CHUNK_FIRST_EVENTS are recycled: the writer frees them on its
 * thread and the program allocates them on its own, a pattern on which
 * malloc takes its slow path (it showed in runs of thousands of short
 * connections). Other sizes go to malloc/free. */
struct chunk *chunk_alloc(uint32_t cap);
void chunk_free(struct chunk *c);

struct sock {
	int id;                 /* N of N.json, in creation order per process */
	struct ev_sockinfo info;
	pthread_mutex_t lock;   /* guards the chunk list and counters below */
	struct chunk *head, *tail;
	int refs;               /* fds referring to it (atomic) */
	int pins;               /* its events waiting in the reserve (record.c) */
	bool from_reserve;      /* made in a signal handler: static memory */
	bool closed;            /* no fd refers to it any more */
	int64_t closed_usec;    /* when it was closed (for delayed free) */
	/* TCP_INFO cadence (-b, -u) */
	uint64_t bytes_since_info;
	int64_t last_info_usec;
	void *capture;          /* -c: capture state (capture.c) */
	struct sock *next;      /* all sockets of the process (socks_lock) */
	bool queued;            /* on the dirty stack (under lock) */
	struct sock *dirty_next; /* next on the dirty stack */
	struct sock *forked_to; /* fork child only: its copy */
};

/* Creates a socket record, numbered next, registered for the writer. */
struct sock *sock_new(const struct ev_sockinfo *info);
/* Marks a record that never got an fd (lost a race) for the writer to free. */
void sock_abandon(struct sock *s);
/* Tops up the records kept for sockets made in signal handlers (normal
 * context only: it allocates). */
void socks_refill_pool(void);
/* Its last fd was closed at usec (async-signal-safe: no lock). */
void sock_mark_closed(struct sock *s, int64_t usec);
/* fork: hold the socket list and the spare chunks still in prepare;
 * release them in the parent. */
void socks_prepare_fork(void);
void socks_parent_after_fork(void);

enum fd_kind { FD_KIND_BAD, FD_KIND_OTHER, FD_KIND_INET };
/* What a live fd is (getsockopt SO_DOMAIN, then SO_TYPE, SO_PROTOCOL and
 * fcntl for an internet socket); fills info for FD_KIND_INET. */
int sock_classify(int fd, struct ev_sockinfo *info);
/* The program installed a seccomp filter (hooks_syscall.c): from then on
 * the shim asks the kernel nothing to classify an fd it did not see made
 * (Chromium's renderers die of SIGSYS on getsockopt, getsockname, even
 * for its own IPC sockets): such fds stay untraced. */
void sock_seccomp_installed(void);
/* Where a socket found already made (inherited, received) is bound and
 * connected, and whether it listens: what its first events would have
 * said. Nothing is asked once a seccomp filter is in (see above). */
void sock_endpoints(int fd, struct ev_addr *local, struct ev_addr *peer, uint8_t *listening);
/* Fills info from socket()'s arguments. */
void sock_info_from_args(struct ev_sockinfo *info, int domain, int type, int protocol);
bool sock_is_inet_domain(int domain);

/* The dirty stack: the sockets that got events since the writer's last
 * pass, so a pass visits those rather than every socket the process has had
 * (thousands for a program that churns through connections). append() pushes
 * a socket, under its lock, when it is not queued yet; the writer takes the
 * whole stack at once (no single pops, so no ABA) and clears `queued` under
 * the socket's lock as it takes its chunks. */
void socks_push_dirty(struct sock *s);
struct sock *socks_take_dirty(void); /* linked by dirty_next */

/* Walk every socket (writer); the callback runs with socks_lock held. */
void socks_foreach(void (*fn)(struct sock *, void *), void *arg);
/* The same without socks_lock (its holder may be frozen in a signal
 * handler): writer thread only, the one thread that unlinks records. */
void socks_foreach_unlocked(void (*fn)(struct sock *, void *), void *arg);
/* Unlinks and frees closed sockets whose events are all written. */
void socks_reap(int64_t now_usec);
/* How many sockets this process has numbered (its N.json files). */
int socks_count(void);
/* Fork child: start a fresh list (the parent's records stay the parent's). */
void socks_reset_after_fork(void);

#endif

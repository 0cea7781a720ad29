/* -c: a packet capture per TCP/UDP socket into <procdir>/N.pcap.
 *
 * Each socket gets its own libpcap handle on the "any" device (DLT_LINUX_SLL,
 * so loopback and every interface look the same), with a kernel BPF filter on
 * the socket's own addresses and ports. The handle is opened in the calling
 * thread right after connect/bind/accept, so packets that follow are already
 * in its ring. One shared thread (created lazily, every signal blocked,
 * in_shim set so libpcap's own calls are not traced) polls every handle and
 * copies packets into per-socket memory buffers. The writer appends those to
 * N.pcap in its own thread at each flush (-t): it is the thread that creates
 * the process directory, and a fork child inherits no stdio buffer that its
 * exit() could write a second time (the file format is written here, not by
 * pcap_dump's FILE).
 *
 * Snap length: headers only (CAPTURE_SNAPLEN bytes: link + IP/IPv6 + TCP with
 * options), with each packet's original length. That records the packet flow
 * (flags, sequence numbers, windows, options, sizes, timing) at a small cost
 * in memory per socket, and no payload ends up in a trace.
 *
 * A connect() is captured from before the real call (capture_before_connect,
 * filter on the destination) so the handshake is in; once the 4-tuple is
 * known the filter is narrowed and what was captured meanwhile from other
 * connections to the same destination is dropped. After the last close a
 * TCP capture ends when the connection is over (both FINs and the last ACK,
 * or a RST), at most CAPTURE_GRACE_USEC later; UDP after a short grace.
 *
 * What is not seen: the handshake and sometimes the first packets of an
 * accepted connection (its addresses are known only when accept returns),
 * the first datagram of an unbound UDP socket's first sendto, packets after
 * exit. Cost: a handle is a packet socket (one fd, CLOEXEC, closed in fork
 * children) with a 1 MiB ring; the kernel makes opening one take 10-20 ms
 * and closing one 25-40 ms, hence the spares; each handle still open at
 * exit adds its close time to the process's exit. */
#include "capture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "real.h"
#include "record.h"
#include "tstate.h"
#include "writer.h"

#define CAPTURE_SNAPLEN 256          /* link 16 + IPv6 40 + ext. headers + TCP 60 */
#define CAPTURE_RING_BYTES (1 << 20) /* kernel ring per socket */
#define CAPTURE_GRACE_USEC 500000    /* TCP, after the last close: at most this */
#define CAPTURE_UDP_GRACE_USEC 50000 /* UDP: what is in flight */
#define CAPTURE_EXIT_GRACE_USEC 50000
#define CAPTURE_EXIT_WAIT_MS 200     /* destructor: bounded wait for the thread */
#define CAPTURE_POLL_MS 50           /* thread wakeup while captures are live */
#define CAPTURE_BATCH_NSEC 5000000   /* after a busy round: let packets gather */
#define CAPTURE_KICK_BYTES (256 << 10)  /* buffered: ask the writer for a flush */
#define CAPTURE_MAX_BYTES (4 << 20)     /* buffered: drop beyond (memory bound) */
#define CAPTURE_MAX_LIVE 256         /* open handles per process (fds, memory) */
#define CAPTURE_SPARES 2             /* opened ahead by the thread */
#define CAPTURE_SPARES_KEEP 32       /* kept for reuse when captures end */

enum cap_state { CAP_ON, CAP_DONE };

struct tuple {
	int ver; /* 4 or 6 */
	uint8_t l[16], r[16];
	uint16_t lport, rport;
};


struct cap {
	struct cap *next;
	struct sock *s;
	pcap_t *p;
	int fd;       /* pcap's selectable fd */
	int slot;     /* in live_fds */
	int pidx;     /* in this round's poll array, -1 if none */
	int state;
	bool has_peer;     /* filter on the 4-tuple (else one side only) */
	bool narrowing;    /* started before connect: buffer kept until the
			    * 4-tuple is known, then cleaned (narrow_buffer) */
	/* TCP end seen (both FINs and the last ACK, or a RST): a closed
	 * socket's capture stops then rather than at the end of the grace. */
	struct tuple t;
	bool t_ok, fin_l, fin_r, over;
	int ack_from; /* after the second FIN: 1 local, 2 remote, 0 none */
	bool file_started; /* N.pcap exists with its header */
	bool fd_gone;      /* the program closed our fd: never pcap_close it */
	int64_t stop_at;   /* 0 while the socket is open */
	int snaplen, linktype;
	char *buf;         /* pcap records not yet written */
	size_t len, size;
	unsigned long dropped; /* beyond CAPTURE_MAX_BYTES */
	unsigned kdrop_base;   /* the handle's ring drops before this socket */
};

/* s->capture is NULL (nothing yet: try again on the next call), a struct
 * cap, or one of these markers. */
static char starting_marker, off_marker;
#define STARTING ((void *)&starting_marker) /* a thread is opening it */
#define OFF ((void *)&off_marker)           /* never for this socket */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* list, buffers, handles */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;   /* thread: new work */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;   /* exit: all handles closed */
static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t compile_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cap *caps;
static int nlive;
static bool thread_started, exiting;
/* The fds of open handles, one int per slot, so a fork child can close its
 * copies without walking a list another thread may have been changing. */
static int live_fds[CAPTURE_MAX_LIVE];
static bool live_fds_init;
/* Opening a handle costs 10-20 ms (the kernel waits for RCU grace periods
 * when it sets up the ring), too long to add to every connect: the thread
 * keeps a few handles open ahead, filtered to drop everything, and a new
 * socket only swaps the filter (~0.3 ms). Closing one costs 25-40 ms of
 * the same waiting, so a finished capture's handle goes back to the spares
 * (drop-all filter, ring emptied) instead of being closed. */
static pcap_t *spares[CAPTURE_SPARES_KEEP];
static int spare_slots[CAPTURE_SPARES_KEEP];
static int nspares;
static bool want_spares; /* set once the program uses -c sockets */
static bool perm_denied, warned_perm, warned_limit;
static int other_failures;

/* ---- addresses and filters ---- */

struct endpoint {
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	bool wildcard;
};

/* An IPv4-mapped IPv6 address is on the wire as IPv4: filter on that. */
static bool endpoint_from(const struct sockaddr_storage *ss, struct endpoint *e) {
	memset(e, 0, sizeof *e);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, e->ip, sizeof e->ip);
		e->port = ntohs(in->sin_port);
		e->wildcard = in->sin_addr.s_addr == htonl(INADDR_ANY);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], e->ip, sizeof e->ip);
		else
			inet_ntop(AF_INET6, &in6->sin6_addr, e->ip, sizeof e->ip);
		e->port = ntohs(in6->sin6_port);
		e->wildcard = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		return true;
	}
	return false;
}

/* The local side (needs a port) and, when there is one, the peer. The peer
 * comes from SO_PEERNAME, which unlike getpeername also answers while a
 * non-blocking connect is in progress (SYN_SENT); it wants the exact size. */
static bool socket_endpoints(int fd, int domain, struct endpoint *local, struct endpoint *peer, bool *has_peer) {
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t len = sizeof ss;
	if (REAL(getsockname)(fd, (struct sockaddr *)&ss, &len) < 0 || !endpoint_from(&ss, local) || !local->port)
		return false;
	memset(&ss, 0, sizeof ss);
	len = domain == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	*has_peer = REAL(getsockopt)(fd, SOL_SOCKET, SO_PEERNAME, &ss, &len) == 0 && endpoint_from(&ss, peer) &&
		    peer->port;
	if (!*has_peer) {
		len = sizeof ss;
		*has_peer = REAL(getpeername)(fd, (struct sockaddr *)&ss, &len) == 0 && endpoint_from(&ss, peer) &&
			    peer->port;
	}
	return true;
}

static void build_filter(char *out, size_t n, const char *proto, const struct endpoint *l, const struct endpoint *r,
			 bool has_peer) {
	if (has_peer)
		snprintf(out, n,
			 "%s and ((src host %s and src port %u and dst host %s and dst port %u) or "
			 "(src host %s and src port %u and dst host %s and dst port %u))",
			 proto, l->ip, l->port, r->ip, r->port, r->ip, r->port, l->ip, l->port);
	else if (l->wildcard)
		snprintf(out, n, "%s and port %u", proto, l->port);
	else
		snprintf(out, n, "%s and ((src host %s and src port %u) or (dst host %s and dst port %u))", proto, l->ip,
			 l->port, l->ip, l->port);
}

/* Before connect: the destination is known, the local port not yet. */
static void build_remote_filter(char *out, size_t n, const struct endpoint *r) {
	snprintf(out, n, "tcp and ((src host %s and src port %u) or (dst host %s and dst port %u))", r->ip, r->port,
		 r->ip, r->port);
}

/* ---- keeping only the socket's own packets ---- */

static bool tuple_from(const struct endpoint *l, const struct endpoint *r, struct tuple *t) {
	memset(t, 0, sizeof *t);
	t->ver = strchr(l->ip, ':') ? 6 : 4;
	int af = t->ver == 6 ? AF_INET6 : AF_INET;
	t->lport = (uint16_t)l->port;
	t->rport = (uint16_t)r->port;
	return inet_pton(af, l->ip, t->l) == 1 && inet_pton(af, r->ip, t->r) == 1;
}

/* Whether a DLT_LINUX_SLL packet is between the tuple's two ends: 1 sent
 * by the local end, 2 by the remote one, 0 not; *tcp_flags its TCP flags. */
static int packet_dir(const uint8_t *d, uint32_t caplen, const struct tuple *t, uint8_t *tcp_flags) {
	*tcp_flags = 0;
	if (caplen < 16) return 0;
	uint16_t proto = (uint16_t)(d[14] << 8 | d[15]);
	d += 16;
	caplen -= 16;
	const uint8_t *src, *dst, *ports;
	size_t alen;
	if (proto == 0x0800 && t->ver == 4 && caplen >= 20) {
		size_t ihl = (size_t)(d[0] & 15) * 4;
		if (caplen < ihl + 4) return 0;
		src = d + 12, dst = d + 16, ports = d + ihl, alen = 4;
		if (d[9] == IPPROTO_TCP && caplen >= ihl + 14) *tcp_flags = ports[13];
	} else if (proto == 0x86dd && t->ver == 6 && caplen >= 44) {
		src = d + 8, dst = d + 24, ports = d + 40, alen = 16;
		if (d[6] == IPPROTO_TCP && caplen >= 54) *tcp_flags = ports[13];
	} else {
		return 0;
	}
	uint16_t sp = (uint16_t)(ports[0] << 8 | ports[1]), dp = (uint16_t)(ports[2] << 8 | ports[3]);
	bool out = !memcmp(src, t->l, alen) && sp == t->lport && !memcmp(dst, t->r, alen) && dp == t->rport;
	bool in = !memcmp(src, t->r, alen) && sp == t->rport && !memcmp(dst, t->l, alen) && dp == t->lport;
	return out ? 1 : in ? 2 : 0;
}

/* Lock held. Drops, from what was captured on the destination alone, the
 * packets of other connections to the same destination. */
static void narrow_buffer(struct cap *c, const struct tuple *t) {
	size_t in = 0, out = 0;
	while (in + 16 <= c->len) {
		uint32_t rec[4];
		memcpy(rec, c->buf + in, sizeof rec);
		size_t n = 16 + rec[2];
		if (in + n > c->len) break;
		uint8_t flags;
		if (c->linktype != DLT_LINUX_SLL || packet_dir((const uint8_t *)c->buf + in + 16, rec[2], t, &flags)) {
			memmove(c->buf + out, c->buf + in, n);
			out += n;
		}
		in += n;
	}
	c->len = out;
}

static int set_filter(pcap_t *p, const char *filter) {
	struct bpf_program prog;
	pthread_mutex_lock(&compile_mu); /* the grammar is not reentrant in older libpcaps */
	int rc = pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN);
	pthread_mutex_unlock(&compile_mu);
	if (rc < 0) return rc;
	rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	return rc;
}

/* ---- opening a handle ---- */

static void warn_failure(int rc, pcap_t *p) {
	const char *msg = p ? pcap_geterr(p) : "cannot create a capture handle";
	if (rc == PCAP_ERROR_PERM_DENIED || strstr(msg, "ermission") || strstr(msg, "not permitted")) {
		__atomic_store_n(&perm_denied, true, __ATOMIC_RELAXED);
		return;
	}
	if (__atomic_fetch_add(&other_failures, 1, __ATOMIC_RELAXED) < 3)
		slog(LOG_WARN, "packet capture (-c) failed: %s (%s)", msg, pcap_statustostr(rc));
}

static void warn_perm_once(void) {
	if (!__atomic_exchange_n(&warned_perm, true, __ATOMIC_RELAXED))
		slog(LOG_WARN, "packet capture (-c) needs CAP_NET_RAW (run as root or give the program that "
			       "capability): tracing continues without .pcap files");
}

/* An active handle that captures nothing yet (its filter drops every
 * packet, and what came in before the filter is read and thrown away). */
static void discard(u_char *arg, const struct pcap_pkthdr *h, const u_char *data) { (void)arg, (void)h, (void)data; }

static bool quiet(pcap_t *p) {
	struct bpf_insn drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct bpf_program prog = {1, &drop_all};
	if (pcap_setfilter(p, &prog) < 0) return false;
	while (pcap_dispatch(p, -1, discard, NULL) > 0) {}
	return true;
}

static pcap_t *open_quiet_handle(void) {
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create("any", err);
	if (!p) {
		warn_failure(PCAP_ERROR, NULL);
		return NULL;
	}
	pcap_set_snaplen(p, CAPTURE_SNAPLEN);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1); /* packets are readable as soon as they are in the ring */
	pcap_set_buffer_size(p, CAPTURE_RING_BYTES);
	int rc = pcap_activate(p);
	if (rc < 0) {
		warn_failure(rc, p);
		pcap_close(p);
		return NULL;
	}
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0 || pcap_setnonblock(p, 1, err) < 0 || !quiet(p)) {
		warn_failure(PCAP_ERROR, p);
		pcap_close(p);
		return NULL;
	}
	REAL(fcntl)(fd, F_SETFD, FD_CLOEXEC); /* not into programs the traced one execs */
	return p;
}

/* ---- slots: one per open handle ---- */

/* Lock held. Returns a reserved slot, or -1 when CAPTURE_MAX_LIVE are open. */
static int slot_take(void) {
	if (!live_fds_init) {
		for (int i = 0; i < CAPTURE_MAX_LIVE; i++) live_fds[i] = -1;
		live_fds_init = true;
	}
	for (int i = 0; i < CAPTURE_MAX_LIVE; i++)
		if (live_fds[i] == -1) {
			live_fds[i] = -2; /* reserved: no fd yet */
			return i;
		}
	return -1;
}

/* Before the handle's fd is closed (a fork child must not close a number
 * that may already be reused). */
static void slot_free(int slot) { __atomic_store_n(&live_fds[slot], -1, __ATOMIC_RELEASE); }

static void slot_set(int slot, pcap_t *p) { __atomic_store_n(&live_fds[slot], pcap_get_selectable_fd(p), __ATOMIC_RELEASE); }

/* ---- the capture thread ---- */

static void track_end(struct cap *c, const u_char *data, uint32_t caplen) {
	uint8_t flags;
	int dir = packet_dir(data, caplen, &c->t, &flags);
	if (!dir) return;
	if (flags & 0x04) c->over = true; /* RST */
	if (c->ack_from == dir && (flags & 0x10)) c->over = true;
	if (flags & 0x01) { /* FIN */
		bool *mine = dir == 1 ? &c->fin_l : &c->fin_r, *other = dir == 1 ? &c->fin_r : &c->fin_l;
		*mine = true;
		if (*other) c->ack_from = 3 - dir;
	}
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data) {
	struct cap *c = (struct cap *)arg;
	size_t need = 16 + h->caplen;
	if (c->len + need > c->size) {
		if (c->len + need > CAPTURE_MAX_BYTES) {
			c->dropped++;
			return;
		}
		size_t size = c->size ? c->size * 2 : 16384;
		while (size < c->len + need) size *= 2;
		char *b = realloc(c->buf, size);
		if (!b) {
			c->dropped++;
			return;
		}
		c->buf = b;
		c->size = size;
	}
	uint32_t rec[4] = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, h->caplen, h->len};
	memcpy(c->buf + c->len, rec, sizeof rec);
	memcpy(c->buf + c->len + 16, data, h->caplen);
	c->len += need;
	if (c->t_ok && c->linktype == DLT_LINUX_SLL) track_end(c, data, h->caplen);
	if (c->len >= CAPTURE_KICK_BYTES && c->len - need < CAPTURE_KICK_BYTES) writer_kick();
}

static pcap_t *to_close[CAPTURE_MAX_LIVE]; /* capture thread only */
static int nto_close;

/* Ends a capture after reading what its handle still holds (lock held). */
static void finish(struct cap *c) {
	if (!c->fd_gone) pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
	struct pcap_stat st;
	unsigned long kdrop = !c->fd_gone && pcap_stats(c->p, &st) == 0 ? st.ps_drop - c->kdrop_base : 0;
	if (kdrop || c->dropped)
		slog(LOG_WARN, "packet capture of socket %d: %lu packets dropped", c->s->id, kdrop + c->dropped);
	slog(LOG_DEBUG, "capture of socket %d ends: %s", c->s->id,
	     c->fd_gone ? "its fd was closed by the program" : c->over ? "TCP connection over" : "grace period over");
	if (c->fd_gone) { /* the fd may be the program's now: leak the handle */
		slot_free(c->slot);
	} else if (exiting) {
		/* the process is going: its exit closes the handle */
	} else if (nspares < CAPTURE_SPARES_KEEP && quiet(c->p)) {
		spares[nspares] = c->p;
		spare_slots[nspares++] = c->slot;
	} else {
		slot_free(c->slot);
		to_close[nto_close++] = c->p; /* closing waits 25-40 ms: not under the lock */
	}
	c->p = NULL;
	c->state = CAP_DONE;
	nlive--;
}

static int nstopping; /* closed sockets whose handles come back soon */

static bool spare_wanted(void) {
	return want_spares && !exiting && !perm_denied && nspares + nstopping < CAPTURE_SPARES;
}

/* Lock held (dropped while opening). False if none could be opened. */
static bool add_spare(void) {
	int slot = slot_take();
	if (slot < 0) return false;
	pthread_mutex_unlock(&lock);
	pcap_t *p = open_quiet_handle();
	pthread_mutex_lock(&lock);
	if (!p) {
		slot_free(slot);
		want_spares = false; /* it fails: stop trying ahead */
		if (perm_denied) warn_perm_once();
		return false;
	}
	slot_set(slot, p);
	if (exiting) { /* too late: the handle goes with the process */
		return false;
	}
	spares[nspares] = p;
	spare_slots[nspares++] = slot;
	return true;
}

static void *capture_main(void *arg) {
	(void)arg;
	tstate_get()->in_shim = 1; /* libpcap's calls and ours are not traced */
	struct pollfd fds[CAPTURE_MAX_LIVE];
	pthread_mutex_lock(&lock);
	for (;;) {
		/* One spare per round at most: opening one takes 10-20 ms, and
		 * live captures must not wait for a run of them. */
		if (spare_wanted()) add_spare();
		while (!nlive) { /* nothing to poll */
			pthread_cond_broadcast(&idle);
			if (spare_wanted() && add_spare()) continue;
			pthread_cond_wait(&wake, &lock);
		}
		int n = 0;
		int64_t now = now_usec(), next = now + CAPTURE_POLL_MS * 1000;
		nstopping = 0;
		for (struct cap *c = caps; c; c = c->next) {
			c->pidx = -1;
			nstopping += c->state == CAP_ON && c->stop_at;
			if (c->state != CAP_ON || c->fd_gone || n == CAPTURE_MAX_LIVE) continue;
			c->pidx = n;
			fds[n].fd = c->fd;
			fds[n].events = POLLIN;
			fds[n++].revents = 0;
			if (c->stop_at && c->stop_at < next) next = c->stop_at;
		}
		pthread_mutex_unlock(&lock);
		int ms = next > now ? (int)((next - now + 999) / 1000) : 0;
		int ready = REAL(poll)(fds, (nfds_t)n, ms);
		pthread_mutex_lock(&lock);
		now = now_usec();
		for (struct cap *c = caps; c; c = c->next) {
			if (c->state != CAP_ON) continue;
			short rev = c->pidx >= 0 ? fds[c->pidx].revents : POLLIN; /* new: look anyway */
			if (rev & POLLNVAL) c->fd_gone = true;
			else if (rev) pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
			if (c->fd_gone || (c->stop_at && (now >= c->stop_at || c->over))) finish(c);
		}
		if (nto_close) {
			pthread_mutex_unlock(&lock);
			while (nto_close) pcap_close(to_close[--nto_close]);
			pthread_mutex_lock(&lock);
		}
		if (ready > 0) { /* busy: let packets gather instead of waking per packet */
			pthread_mutex_unlock(&lock);
			struct timespec batch = {0, CAPTURE_BATCH_NSEC};
			nanosleep(&batch, NULL);
			pthread_mutex_lock(&lock);
		}
	}
	return NULL;
}

/* Lock held. */
static bool ensure_thread(void) {
	if (thread_started) return true;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the program's signals never land on our thread */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int rc = pthread_create(&th, &attr, capture_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		slog(LOG_WARN, "packet capture (-c): cannot start its thread (%s)", strerror(rc));
		return false;
	}
	thread_started = true;
	return true;
}

/* ---- the API ---- */

static bool capturable(const struct sock *s) {
	if (s->info.type == SOCK_STREAM) return s->info.protocol == 0 || s->info.protocol == IPPROTO_TCP;
	if (s->info.type == SOCK_DGRAM) return s->info.protocol == 0 || s->info.protocol == IPPROTO_UDP;
	return false;
}

/* The socket got its peer after a local-only start (UDP bind, then connect). */
static void refine(struct cap *c, int fd) {
	struct endpoint l, r;
	bool has_peer = false;
	if (!socket_endpoints(fd, c->s->info.domain, &l, &r, &has_peer) || !has_peer) return;
	char filter[512];
	build_filter(filter, sizeof filter, c->s->info.type == SOCK_STREAM ? "tcp" : "udp", &l, &r, true);
	struct tuple t;
	bool tuple_ok = tuple_from(&l, &r, &t);
	pthread_mutex_lock(&lock);
	if (c->state == CAP_ON && !c->stop_at && !c->has_peer) {
		if (set_filter(c->p, filter) == 0) c->has_peer = true;
		slog(LOG_DEBUG, "capture of socket %d: filter now %s", c->s->id, filter);
	}
	if (c->narrowing && c->has_peer) {
		/* what the old filter let into the ring is read first */
		if (c->state == CAP_ON) pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
		if (tuple_ok) narrow_buffer(c, &t);
		c->narrowing = false;
	}
	if (c->s->info.type == SOCK_STREAM && tuple_ok && !c->t_ok) {
		c->t = t;
		c->t_ok = true;
	}
	pthread_mutex_unlock(&lock);
}

/* Lock held: the thread starts opening handles ahead. */
static bool warm_up(void) {
	want_spares = true;
	if (!ensure_thread()) return false;
	pthread_cond_signal(&wake);
	return true;
}

/* remote: before a connect, the destination to filter on (NULL: the
 * socket's own addresses). */
static void *start(struct sock *s, int fd, const struct endpoint *remote) {
	struct endpoint l, r;
	bool has_peer = false;
	/* No port yet, or a TCP socket with no peer (listening or not yet
	 * connected: its port alone would match every accepted connection). */
	bool later = !remote && (!socket_endpoints(fd, s->info.domain, &l, &r, &has_peer) ||
				 (s->info.type == SOCK_STREAM && !has_peer));
	if (__atomic_load_n(&perm_denied, __ATOMIC_RELAXED)) {
		warn_perm_once();
		return OFF;
	}
	pthread_mutex_lock(&lock);
	if (exiting) {
		pthread_mutex_unlock(&lock);
		return later ? NULL : OFF;
	}
	if (!warm_up() || later) {
		pthread_mutex_unlock(&lock);
		return later ? NULL : OFF;
	}
	pcap_t *p = NULL;
	int slot;
	if (nspares) {
		p = spares[--nspares];
		slot = spare_slots[nspares];
	} else {
		slot = slot_take();
	}
	bool limit = slot < 0 && !warned_limit;
	if (limit) warned_limit = true;
	pthread_mutex_unlock(&lock);
	if (slot < 0) {
		if (limit)
			slog(LOG_WARN, "packet capture (-c) is limited to %d sockets open at a time: more are not captured",
			     CAPTURE_MAX_LIVE);
		return OFF;
	}
	if (!p) { /* none ready (first socket, or a burst): open one here */
		p = open_quiet_handle();
		if (p) slot_set(slot, p);
	}
	char filter[512];
	if (remote)
		build_remote_filter(filter, sizeof filter, remote);
	else
		build_filter(filter, sizeof filter, s->info.type == SOCK_STREAM ? "tcp" : "udp", &l, &r, has_peer);
	struct cap *c = p ? calloc(1, sizeof *c) : NULL;
	if (!c || set_filter(p, filter) < 0) {
		if (c) warn_failure(PCAP_ERROR, p);
		free(c);
		slot_free(slot);
		if (p) pcap_close(p);
		if (__atomic_load_n(&perm_denied, __ATOMIC_RELAXED)) warn_perm_once();
		return OFF;
	}
	c->s = s;
	c->p = p;
	c->fd = pcap_get_selectable_fd(p);
	c->slot = slot;
	c->pidx = -1;
	c->has_peer = has_peer;
	c->narrowing = remote != NULL;
	c->t_ok = !remote && has_peer && s->info.type == SOCK_STREAM && tuple_from(&l, &r, &c->t);
	c->snaplen = pcap_snapshot(p);
	c->linktype = pcap_datalink(p);
	struct pcap_stat st;
	c->kdrop_base = pcap_stats(p, &st) == 0 ? st.ps_drop : 0;
	c->state = CAP_ON;
	pthread_mutex_lock(&lock);
	c->next = caps;
	caps = c;
	nlive++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	slog(LOG_DEBUG, "capture of socket %d into %d.pcap: %s", s->id, s->id, filter);
	return c;
}

void capture_maybe_start(struct sock *s, int fd) {
	if (!opt.capture || !capturable(s)) return;
	void *cur = __atomic_load_n(&s->capture, __ATOMIC_ACQUIRE);
	if (cur == OFF || cur == STARTING) return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1; /* libpcap's socket, setsockopt, close... are ours */
	if (cur) {
		struct cap *c = cur;
		if (!c->has_peer) refine(c, fd);
	} else if (__atomic_compare_exchange_n(&s->capture, &cur, STARTING, false, __ATOMIC_ACQ_REL,
					       __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&s->capture, start(s, fd, NULL), __ATOMIC_RELEASE);
	}
	ts->in_shim = was;
	errno = saved;
}

void capture_before_connect(struct sock *s, int fd, const struct sockaddr *addr, socklen_t len) {
	if (!opt.capture || s->info.type != SOCK_STREAM || !capturable(s) || !addr) return;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, addr, len < sizeof ss ? len : sizeof ss);
	struct endpoint r;
	if ((ss.ss_family == AF_INET && len < sizeof(struct sockaddr_in)) ||
	    (ss.ss_family == AF_INET6 && len < sizeof(struct sockaddr_in6)) || !endpoint_from(&ss, &r) || !r.port ||
	    r.wildcard)
		return; /* connect will fail with EINVAL or the like */
	void *cur = NULL;
	if (!__atomic_compare_exchange_n(&s->capture, &cur, STARTING, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return; /* already capturing (EALREADY, a second connect...) */
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	__atomic_store_n(&s->capture, start(s, fd, &r), __ATOMIC_RELEASE);
	ts->in_shim = was;
	errno = saved;
}

void capture_stop(struct sock *s) {
	void *cur = __atomic_load_n(&s->capture, __ATOMIC_ACQUIRE);
	/* Another thread still opening it while the program closes the socket:
	 * wait for it (bounded; opening takes about a millisecond). */
	for (int i = 0; cur == STARTING && i < 1000; i++) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		cur = __atomic_load_n(&s->capture, __ATOMIC_ACQUIRE);
	}
	if (!cur || cur == STARTING) return;
	if (cur == OFF) {
		__atomic_store_n(&s->capture, NULL, __ATOMIC_RELEASE);
		return;
	}
	struct cap *c = cur;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim;
	ts->in_shim = 1; /* a signal handler's hooks must not come back for the lock */
	pthread_mutex_lock(&lock);
	if (c->state == CAP_ON && !c->stop_at)
		c->stop_at = now_usec() + (c->s->info.type == SOCK_STREAM ? CAPTURE_GRACE_USEC : CAPTURE_UDP_GRACE_USEC);
	pthread_mutex_unlock(&lock);
	ts->in_shim = was;
}

/* Takes m, retrying for up to ~50 ms: callers may run where the holder is
 * frozen (a signal handler that interrupted it, a fatal signal). */
static bool lock_bounded(pthread_mutex_t *m) {
	for (int i = 0; i < 50; i++) {
		if (pthread_mutex_trylock(m) == 0) return true;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return false;
}

static bool write_all(int fd, const char *p, size_t n) {
	while (n) {
		ssize_t w = REAL(write)(fd, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

struct pending {
	struct cap *c;
	char *buf;
	size_t len;
};

/* Appends buf to N.pcap, starting the file with the pcap header (the
 * classic microsecond format every reader understands). */
static void write_pcap(struct cap *c, const char *buf, size_t len) {
	const char *dir = procdir_get();
	if (!dir) return;
	char path[800];
	snprintf(path, sizeof path, "%s/%d.pcap", dir, c->s->id);
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (c->file_started ? O_APPEND : O_TRUNC);
	int fd = open(path, flags, 0644);
	bool ok = fd >= 0;
	if (ok && !c->file_started) {
		struct {
			uint32_t magic;
			uint16_t major, minor;
			int32_t thiszone;
			uint32_t sigfigs, snaplen, linktype;
		} hdr = {0xa1b2c3d4, 2, 4, 0, 0, (uint32_t)c->snaplen, (uint32_t)c->linktype};
		ok = write_all(fd, (const char *)&hdr, sizeof hdr);
		c->file_started = ok;
	}
	if (ok && len) ok = write_all(fd, buf, len);
	if (!ok) slog(LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0) REAL(close)(fd);
}

void capture_flush_all(void) {
	if (!opt.capture || !__atomic_load_n(&thread_started, __ATOMIC_ACQUIRE)) return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	if (!lock_bounded(&flush_mu)) goto out;
	if (!lock_bounded(&lock)) {
		pthread_mutex_unlock(&flush_mu);
		goto out;
	}
	/* Take the buffers, write them without holding the thread up; a cap
	 * is freed only here (flush_mu held), so it stays valid meanwhile. */
	size_t n = 0;
	for (struct cap *c = caps; c; c = c->next) n++;
	struct pending *v = n ? malloc(n * sizeof *v) : NULL;
	size_t k = 0;
	for (struct cap *c = caps; c && v; c = c->next) {
		if (c->file_started && !c->len) continue;
		if (c->narrowing && c->state == CAP_ON && c->file_started) continue; /* cleaned at connect */
		if (c->narrowing && c->state == CAP_ON) { /* the header only, for now */
			v[k++] = (struct pending){c, NULL, 0};
			continue;
		}
		v[k++] = (struct pending){c, c->buf, c->len};
		c->buf = NULL;
		c->len = c->size = 0;
	}
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < k; i++) {
		write_pcap(v[i].c, v[i].buf, v[i].len);
		free(v[i].buf);
	}
	free(v);
	/* Captures that are over and written: let the socket record go. */
	pthread_mutex_lock(&lock);
	for (struct cap **pp = &caps; *pp;) {
		struct cap *c = *pp;
		if (c->state == CAP_DONE && !c->len) {
			*pp = c->next;
			__atomic_store_n(&c->s->capture, NULL, __ATOMIC_RELEASE);
			free(c->buf);
			free(c);
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&lock);
	pthread_mutex_unlock(&flush_mu);
out:
	ts->in_shim = was;
	errno = saved;
}

void capture_stop_all(void) {
	if (!opt.capture || !__atomic_load_n(&thread_started, __ATOMIC_ACQUIRE)) return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	if (lock_bounded(&lock)) {
		exiting = true;
		int64_t soon = now_usec() + CAPTURE_EXIT_GRACE_USEC;
		for (struct cap *c = caps; c; c = c->next)
			if (c->state == CAP_ON && (!c->stop_at || c->stop_at > soon)) c->stop_at = soon;
		pthread_cond_signal(&wake);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CAPTURE_EXIT_WAIT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000;
		until.tv_nsec %= 1000000000;
		while (nlive && pthread_cond_timedwait(&idle, &lock, &until) == 0) {}
		pthread_mutex_unlock(&lock);
	}
	ts->in_shim = was;
	errno = saved;
}

void capture_reset_after_fork(void) {
	/* No capture thread here, and the parent's buffers are the parent's to
	 * write: close our copies of its packet sockets and start empty. */
	if (live_fds_init)
		for (int i = 0; i < CAPTURE_MAX_LIVE; i++) {
			int fd = __atomic_load_n(&live_fds[i], __ATOMIC_ACQUIRE);
			if (fd >= 0) REAL(close)(fd);
			live_fds[i] = -1;
		}
	pthread_mutex_init(&lock, NULL);
	pthread_mutex_init(&flush_mu, NULL);
	pthread_mutex_init(&compile_mu, NULL);
	pthread_cond_init(&wake, NULL);
	pthread_cond_init(&idle, NULL);
	caps = NULL;
	nlive = 0;
	nspares = nstopping = 0; /* their fds were in live_fds */
	want_spares = false;
	thread_started = exiting = false;
	warned_perm = warned_limit = false; /* the child's own logs.txt says it too */
	other_failures = 0;
}

void capture_after_send(struct sock *s, int fd) {
	if (LIKELY(!opt.capture) || s->info.type != SOCK_DGRAM) return;
	if (__atomic_load_n(&s->capture, __ATOMIC_ACQUIRE)) return;
	capture_maybe_start(s, fd);
}

/* -c: a packet capture per TCP/UDP socket into <procdir>/N.pcap.
 *
 * One libpcap handle per process, on the "any" device (DLT_LINUX_SLL, so
 * loopback and every interface look the same), with a kernel filter set once
 * when it is opened (TCP and UDP, headers only) and never changed afterwards.
 * One thread (every signal blocked, in_shim set so libpcap's own calls are
 * not traced) reads it and sorts the packets in userland, by address and
 * port, into per-socket memory buffers. The writer appends those to N.pcap
 * at each flush (-t): it is the thread that creates the process directory,
 * and a fork child inherits no stdio buffer its exit() could write twice.
 *
 * Why one handle with a fixed filter: opening a handle costs 10-20 ms and
 * closing one 25-40 ms (the kernel waits for RCU grace periods). A handle
 * per socket meant spare handles opened ahead, filters swapped on live rings
 * and a thread juggling them all, and it lost packets (the thread missed a
 * wakeup while it was opening a spare). Here a new socket only adds an entry
 * to a table: nothing in the kernel changes, and the thread never waits on
 * a condition (it polls the handle with a bounded timeout).
 *
 * The handle is opened (by the calling thread, once) before the first real
 * connect of a TCP/UDP socket, or at the first bind or accept, or after the
 * first send of an unbound UDP socket; before that nothing is seen. The
 * thread keeps the last packets it read in a backlog (CAPTURE_BACKLOG_USEC,
 * at most CAPTURE_BACKLOG_BYTES): a socket whose addresses become known only
 * later (connect returned, accept, a UDP socket's port set by its first
 * send) starts with its packets from there, so its pcap has the handshake
 * or the first datagram. A TCP socket takes them from its connection's first
 * SYN on; a UDP socket only the last CAPTURE_UDP_CLAIM_USEC (it has no such
 * mark, and an earlier socket may have used the same port). An accepted
 * connection whose handshake has already left the backlog (the program
 * accepted it late, under heavy traffic) starts with what remains.
 *
 * Snap length: headers only (CAPTURE_SNAPLEN bytes: link + IP/IPv6 + TCP with
 * options), with each packet's original length: the packet flow (flags,
 * sequence numbers, windows, options, sizes, timing) and no payload.
 *
 * After the last close, a TCP capture ends when the connection is over (both
 * FINs and the last ACK, or a RST), at most CAPTURE_GRACE_USEC later; UDP
 * after a short grace. At exit every capture gets CAPTURE_EXIT_GRACE_USEC and
 * the exit waits at most CAPTURE_EXIT_WAIT_MS.
 *
 * Cost: the thread sees every TCP/UDP packet of the host (headers only) while
 * the process lives and drops those of other sockets; a ring overflow is
 * logged. Memory: CAPTURE_RING_BYTES of kernel ring, at most
 * CAPTURE_MAX_BYTES buffered for the writer, the backlog (at most ~4x its
 * bound). One packet socket (CLOEXEC, closed in fork children; a child
 * opens its own when it needs one). */
#include "capture.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ownfd.h"
#include "pcap_api.h"
#include "options.h"
#include "real.h"
#include "record.h"
#include "tstate.h"
#include "writer.h"

#define CAPTURE_SNAPLEN 256            /* link 16 + IPv6 40 + ext. headers + TCP 60 */
#define CAPTURE_RING_BYTES (4 << 20)   /* kernel ring of the process's handle */
#define CAPTURE_GRACE_USEC 500000      /* TCP, after the last close: at most this */
#define CAPTURE_UDP_GRACE_USEC 50000   /* UDP: what is in flight */
#define CAPTURE_EXIT_GRACE_USEC 50000
#define CAPTURE_EXIT_WAIT_MS 200       /* destructor: bounded wait for the thread */
#define CAPTURE_POLL_MS 50             /* thread wakeup when nothing comes in */
#define CAPTURE_BATCH_NSEC 5000000     /* after a busy round: let packets gather */
#define CAPTURE_KICK_BYTES (512 << 10) /* buffered: ask the writer for a flush */
#define CAPTURE_MAX_BYTES (16 << 20)   /* buffered, all sockets: drop beyond */
#define CAPTURE_MAX_LIVE 8192          /* sockets captured at a time */
#define CAPTURE_BUCKETS 1024           /* live captures by local port */
#define CAPTURE_BACKLOG_USEC 2000000   /* unclaimed packets kept this long */
#define CAPTURE_BACKLOG_BYTES (512 << 10)
#define CAPTURE_UDP_CLAIM_USEC 100000  /* UDP: how far back a new capture looks */

#define SLL_HDR 16
#define REC_HDR 16 /* pcap record header: ts_sec, ts_usec, caplen, len */

/* ---- packets and what a socket matches ---- */

/* A parsed DLT_LINUX_SLL packet. */
struct pkt {
	int ver; /* 4 or 6 */
	uint8_t proto, tcp_flags;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
};

static bool parse_packet(const uint8_t *d, uint32_t caplen, struct pkt *pk) {
	if (caplen < SLL_HDR) return false;
	uint16_t ethertype = (uint16_t)(d[14] << 8 | d[15]);
	d += SLL_HDR;
	caplen -= SLL_HDR;
	const uint8_t *l4;
	size_t room;
	if (ethertype == 0x0800 && caplen >= 20) {
		size_t ihl = (size_t)(d[0] & 15) * 4;
		if (ihl < 20 || caplen < ihl + 4) return false;
		if ((d[6] & 0x1f) || d[7]) return false; /* a later fragment: no ports */
		pk->ver = 4, pk->proto = d[9], pk->src = d + 12, pk->dst = d + 16, l4 = d + ihl, room = caplen - ihl;
	} else if (ethertype == 0x86dd && caplen >= 44) {
		pk->ver = 6, pk->proto = d[6], pk->src = d + 8, pk->dst = d + 24, l4 = d + 40, room = caplen - 40;
	} else {
		return false;
	}
	if (pk->proto != IPPROTO_TCP && pk->proto != IPPROTO_UDP) return false;
	pk->sport = (uint16_t)(l4[0] << 8 | l4[1]);
	pk->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	pk->tcp_flags = pk->proto == IPPROTO_TCP && room >= 14 ? l4[13] : 0;
	return true;
}

/* A socket's side(s), as on the wire (an IPv4-mapped IPv6 address is IPv4). */
struct endpoint {
	int ver;
	uint8_t ip[16];
	uint16_t port;
	bool wildcard;
};

struct match {
	uint8_t proto;
	int ver;       /* of l and r */
	bool l_any;    /* local wildcard address: the port alone, either version */
	bool has_peer; /* else the local side alone (UDP not connected) */
	uint8_t l[16], r[16];
	uint16_t lport, rport;
};

static bool endpoint_from(const struct sockaddr_storage *ss, struct endpoint *e) {
	memset(e, 0, sizeof *e);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		e->ver = 4;
		memcpy(e->ip, &in->sin_addr, 4);
		e->port = ntohs(in->sin_port);
		e->wildcard = in->sin_addr.s_addr == htonl(INADDR_ANY);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		bool mapped = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
		e->ver = mapped ? 4 : 6;
		memcpy(e->ip, mapped ? &in6->sin6_addr.s6_addr[12] : in6->sin6_addr.s6_addr, mapped ? 4 : 16);
		e->port = ntohs(in6->sin6_port);
		e->wildcard = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
			      (mapped && !memcmp(e->ip, "\0\0\0\0", 4));
		return true;
	}
	return false;
}

/* The local side (needs a port) and, when there is one, the peer. The peer
 * comes from SO_PEERNAME, which unlike getpeername also answers while a
 * non-blocking connect is in progress (SYN_SENT); it wants the exact size. */
static bool socket_match(int fd, const struct sock *s, struct match *m) {
	struct sockaddr_storage ss;
	struct endpoint l, r;
	memset(&ss, 0, sizeof ss);
	socklen_t len = sizeof ss;
	if (REAL(getsockname)(fd, (struct sockaddr *)&ss, &len) < 0 || !endpoint_from(&ss, &l) || !l.port)
		return false;
	memset(&ss, 0, sizeof ss);
	len = s->info.domain == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	bool peer = REAL(getsockopt)(fd, SOL_SOCKET, SO_PEERNAME, &ss, &len) == 0 && endpoint_from(&ss, &r) && r.port;
	if (!peer) {
		len = sizeof ss;
		peer = REAL(getpeername)(fd, (struct sockaddr *)&ss, &len) == 0 && endpoint_from(&ss, &r) && r.port;
	}
	memset(m, 0, sizeof *m);
	m->proto = s->info.type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	m->has_peer = peer;
	m->ver = peer ? r.ver : l.ver;
	m->l_any = l.wildcard || (peer && l.ver != r.ver);
	memcpy(m->l, l.ip, sizeof m->l);
	m->lport = l.port;
	if (peer) {
		memcpy(m->r, r.ip, sizeof m->r);
		m->rport = r.port;
	}
	return true;
}

/* 1: sent by the socket, 2: received by it, 0: not its packet. */
static int match_dir(const struct match *m, const struct pkt *pk) {
	if (pk->proto != m->proto) return 0;
	size_t alen = pk->ver == 6 ? 16 : 4;
	bool same_ver = pk->ver == m->ver;
	bool src_local = pk->sport == m->lport && (m->l_any || (same_ver && !memcmp(pk->src, m->l, alen)));
	bool dst_local = pk->dport == m->lport && (m->l_any || (same_ver && !memcmp(pk->dst, m->l, alen)));
	if (!m->has_peer) return src_local ? 1 : dst_local ? 2 : 0;
	if (!same_ver) return 0;
	if (src_local && pk->dport == m->rport && !memcmp(pk->dst, m->r, alen)) return 1;
	if (dst_local && pk->sport == m->rport && !memcmp(pk->src, m->r, alen)) return 2;
	return 0;
}

static void describe(const struct match *m, char *out, size_t n) {
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int af = m->ver == 6 ? AF_INET6 : AF_INET;
	if (m->l_any) snprintf(l, sizeof l, "*");
	else inet_ntop(af, m->l, l, sizeof l);
	if (m->has_peer) inet_ntop(af, m->r, r, sizeof r);
	const char *proto = m->proto == IPPROTO_TCP ? "tcp" : "udp";
	if (m->has_peer) snprintf(out, n, "%s %s:%u <-> %s:%u", proto, l, m->lport, r, m->rport);
	else snprintf(out, n, "%s %s:%u (local side only)", proto, l, m->lport);
}

/* ---- state ---- */

struct cap {
	struct cap *next;  /* all captures, until written out */
	struct cap *hnext; /* live ones, in bucket[] by local port */
	struct sock *s;
	struct match m;
	bool done;         /* no more packets: written out, then freed */
	bool file_started; /* N.pcap exists with its header */
	/* TCP end seen (both FINs and the last ACK, or a RST): a closed
	 * socket's capture stops then rather than at the end of the grace. */
	bool fin_l, fin_r, over;
	int ack_from;    /* after the second FIN: 1 local, 2 remote, 0 none */
	int64_t stop_at; /* 0 while the socket is open */
	bool stop_req;   /* closed in a signal handler: the thread sets stop_at */
	char *buf;       /* pcap records not yet written */
	size_t len, size;
	unsigned long dropped; /* beyond CAPTURE_MAX_BYTES */
};

/* s->capture is NULL (nothing yet: try again on the next call), a struct
 * cap, or one of these markers. */
static char starting_marker, off_marker;
#define STARTING ((void *)&starting_marker) /* a thread is starting it */
#define OFF ((void *)&off_marker)           /* never for this socket */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* everything below */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;   /* exit: no live capture */
static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER; /* one thread opens the handle */
static struct cap *caps;
static struct cap *bucket[CAPTURE_BUCKETS]; /* a packet looks at its two ports' buckets */
static int nlive;       /* caps not done */
static size_t buffered; /* bytes in the caps' buffers */
static bool exiting, handle_dead;
static pcap_t *handle;
static int handle_state;         /* 0 not yet, 1 open and read, -1 none (failed) */
static int handle_fd = -1;       /* for a fork child to close its copy */
static unsigned kdrops_reported; /* ring overflows already logged */
static bool thread_started;
static bool warned_perm, warned_limit;
static int other_failures;

/* The last packets read, as pcap records, oldest first from bl_head. */
static char *bl;
static size_t bl_head, bl_len, bl_size;

/* ---- buffers ---- */

static void rec_header(uint32_t rec[4], const struct pcap_pkthdr *h) {
	rec[0] = (uint32_t)h->ts.tv_sec;
	rec[1] = (uint32_t)h->ts.tv_usec;
	rec[2] = h->caplen;
	rec[3] = h->len;
}

/* Lock held. Appends one record (header + data) to c's buffer. */
static void cap_append(struct cap *c, const uint32_t rec[4], const uint8_t *data) {
	size_t need = REC_HDR + rec[2];
	if (buffered + need > CAPTURE_MAX_BYTES) {
		c->dropped++;
		return;
	}
	if (c->len + need > c->size) {
		size_t size = c->size ? c->size * 2 : 2048;
		while (size < c->len + need) size *= 2;
		char *b = realloc(c->buf, size);
		if (!b) {
			c->dropped++;
			return;
		}
		c->buf = b;
		c->size = size;
	}
	memcpy(c->buf + c->len, rec, REC_HDR);
	memcpy(c->buf + c->len + REC_HDR, data, rec[2]);
	c->len += need;
	buffered += need;
	if (buffered >= CAPTURE_KICK_BYTES && buffered - need < CAPTURE_KICK_BYTES) writer_kick();
}

static void track_end(struct cap *c, int dir, uint8_t flags) {
	if (c->m.proto != IPPROTO_TCP || !c->m.has_peer) return;
	if (flags & 0x04) c->over = true; /* RST */
	if (c->ack_from == dir && (flags & 0x10)) c->over = true;
	if (flags & 0x01) { /* FIN */
		bool *mine = dir == 1 ? &c->fin_l : &c->fin_r, *other = dir == 1 ? &c->fin_r : &c->fin_l;
		*mine = true;
		if (*other) c->ack_from = 3 - dir;
	}
}

/* Lock held. Drops from the backlog's front what is too old or beyond its
 * size, given the newest packet's time. */
static void backlog_prune(uint32_t now_sec, uint32_t now_usec_part, size_t room_needed) {
	uint64_t now = (uint64_t)now_sec * 1000000 + now_usec_part;
	while (bl_head + REC_HDR <= bl_len) {
		uint32_t rec[4];
		memcpy(rec, bl + bl_head, REC_HDR);
		uint64_t t = (uint64_t)rec[0] * 1000000 + rec[1];
		bool old = t + CAPTURE_BACKLOG_USEC < now;
		bool full = bl_len - bl_head + room_needed > CAPTURE_BACKLOG_BYTES;
		if (!old && !full) break;
		bl_head += REC_HDR + rec[2];
	}
	if (bl_head >= bl_len) bl_head = bl_len = 0;
}

static void backlog_add(const uint32_t rec[4], const uint8_t *data) {
	size_t need = REC_HDR + rec[2];
	backlog_prune(rec[0], rec[1], need);
	/* At the end: move the live part to the front once the dead part is
	 * the larger half (amortized O(1)), else grow (to at most ~4x the
	 * bound). */
	if (bl_len + need > bl_size && bl_head >= bl_size / 2) {
		memmove(bl, bl + bl_head, bl_len - bl_head);
		bl_len -= bl_head;
		bl_head = 0;
	}
	if (bl_len + need > bl_size) {
		size_t size = bl_size ? bl_size * 2 : 16384;
		while (size < bl_len + need) size *= 2;
		char *b = realloc(bl, size);
		if (!b) return;
		bl = b;
		bl_size = size;
	}
	memcpy(bl + bl_len, rec, REC_HDR);
	memcpy(bl + bl_len + REC_HDR, data, rec[2]);
	bl_len += need;
}

/* Lock held. Copies into a new capture its packets that came before it
 * started, in order (the other end of a connection within the process may
 * want them too). A TCP connection's own packets begin with its first SYN:
 * an earlier connection on the same addresses and ports is left out. UDP
 * has no such mark: only the last CAPTURE_UDP_CLAIM_USEC (the datagram that
 * gave the socket its port, what came since its bind). */
static void backlog_claim(struct cap *c) {
	bool tcp = c->m.proto == IPPROTO_TCP;
	uint64_t since = tcp ? 0 : (uint64_t)now_usec() - CAPTURE_UDP_CLAIM_USEC;
	bool syns_only = true; /* what c holds is only SYNs (a retransmitted one starts nothing) */
	for (size_t at = bl_head; at + REC_HDR <= bl_len;) {
		uint32_t rec[4];
		memcpy(rec, bl + at, REC_HDR);
		const uint8_t *data = (const uint8_t *)bl + at + REC_HDR;
		at += REC_HDR + rec[2];
		struct pkt pk;
		if ((uint64_t)rec[0] * 1000000 + rec[1] < since || !parse_packet(data, rec[2], &pk)) continue;
		int dir = match_dir(&c->m, &pk);
		if (!dir) continue;
		if (tcp && (pk.tcp_flags & 0x12) == 0x02) { /* SYN without ACK */
			if (!syns_only) { /* a new connection: forget the previous one */
				buffered -= c->len;
				c->len = 0;
				c->dropped = 0;
				c->fin_l = c->fin_r = c->over = false;
				c->ack_from = 0;
				syns_only = true;
			}
		} else {
			syns_only = false;
		}
		cap_append(c, rec, data);
		track_end(c, dir, pk.tcp_flags);
	}
}

/* ---- the capture thread ---- */

static struct cap **bucket_of(uint16_t port) { return &bucket[port % CAPTURE_BUCKETS]; }

/* Lock held. */
static void bucket_add(struct cap *c) {
	struct cap **b = bucket_of(c->m.lport);
	c->hnext = *b;
	*b = c;
}

static void bucket_del(struct cap *c) {
	for (struct cap **pp = bucket_of(c->m.lport); *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
}

/* Lock held: every live capture in that bucket that matches gets the packet. */
static void deliver(struct cap *b, const struct pkt *pk, const uint32_t rec[4], const uint8_t *data) {
	for (struct cap *c = b; c; c = c->hnext) {
		int dir = match_dir(&c->m, pk);
		if (!dir) continue;
		cap_append(c, rec, data);
		track_end(c, dir, pk->tcp_flags);
	}
}

/* Lock held. */
static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data) {
	(void)arg;
	struct pkt pk;
	if (!parse_packet(data, h->caplen, &pk)) return;
	uint32_t rec[4];
	rec_header(rec, h);
	struct cap **bs = bucket_of(pk.sport), **bd = bucket_of(pk.dport);
	deliver(*bs, &pk, rec, data);
	if (bd != bs) deliver(*bd, &pk, rec, data);
	if (!exiting) backlog_add(rec, data); /* for captures that start later */
}

/* Lock held. */
static void finish(struct cap *c) {
	if (c->dropped)
		slog(LOG_WARN, "packet capture of socket %d: %lu packets dropped (more than %d MiB buffered)", c->s->id,
		     c->dropped, CAPTURE_MAX_BYTES >> 20);
	slog(LOG_DEBUG, "capture of socket %d ends: %s", c->s->id,
	     handle_dead ? "the program closed the capture's fd" : c->over ? "TCP connection over" : "grace period over");
	c->done = true;
	bucket_del(c);
	nlive--;
}

/* Lock held: the kernel drops packets when the ring is full (the thread
 * fell behind the host's traffic). */
static void report_kernel_drops(void) {
	struct pcap_stat st;
	if (handle_dead || PCAP(pcap_stats)(handle, &st) < 0 || st.ps_drop == kdrops_reported) return;
	slog(LOG_WARN, "packet capture (-c): %u packets dropped by the kernel so far (capture ring full)", st.ps_drop);
	kdrops_reported = st.ps_drop;
}

static void *capture_main(void *arg) {
	(void)arg;
	tstate_get()->in_shim = 1; /* libpcap's calls and ours are not traced */
	struct pollfd pfd = {handle_fd, POLLIN, 0};
	pthread_mutex_lock(&lock);
	while (!handle_dead) {
		int64_t now = now_usec(), next = now + CAPTURE_POLL_MS * 1000;
		for (struct cap *c = caps; c; c = c->next) {
			if (!c->done && !c->stop_at && __atomic_load_n(&c->stop_req, __ATOMIC_ACQUIRE))
				c->stop_at = now + (c->m.proto == IPPROTO_TCP ? CAPTURE_GRACE_USEC : CAPTURE_UDP_GRACE_USEC);
			if (!c->done && c->stop_at && c->stop_at < next) next = c->stop_at;
		}
		pthread_mutex_unlock(&lock);
		pfd.revents = 0;
		int ready = REAL(poll)(&pfd, 1, next > now ? (int)((next - now + 999) / 1000) : 0);
		pthread_mutex_lock(&lock);
		if (pfd.revents & POLLNVAL) handle_dead = true; /* our fd closed after all: its number may be reused */
		else if (!handle_dead) PCAP(pcap_dispatch)(handle, -1, on_packet, NULL);
		now = now_usec();
		bool ended = false;
		for (struct cap *c = caps; c; c = c->next)
			if (!c->done && (handle_dead || (c->stop_at && (now >= c->stop_at || c->over)))) {
				finish(c);
				ended = true;
			}
		if (ended) report_kernel_drops();
		if (!nlive) pthread_cond_broadcast(&idle);
		if (ready > 0 && !exiting) { /* busy: let packets gather instead of waking per packet */
			pthread_mutex_unlock(&lock);
			struct timespec batch = {0, CAPTURE_BATCH_NSEC};
			nanosleep(&batch, NULL);
			pthread_mutex_lock(&lock);
		}
	}
	slog(LOG_WARN, "packet capture (-c) stopped: the program closed its packet socket");
	pthread_cond_broadcast(&idle);
	pthread_mutex_unlock(&lock);
	return NULL; /* the handle is leaked on purpose: its fd number may be the program's now */
}

static bool start_thread(void) {
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
	if (rc) slog(LOG_WARN, "packet capture (-c): cannot start its thread (%s)", strerror(rc));
	return rc == 0;
}

/* ---- opening the handle ---- */

static void warn_perm_once(void) {
	if (!__atomic_exchange_n(&warned_perm, true, __ATOMIC_RELAXED))
		slog(LOG_WARN, "packet capture (-c) needs CAP_NET_RAW (run as root or give the program that "
			       "capability): tracing continues without .pcap files");
}

static void warn_failure(int rc, pcap_t *p) {
	const char *msg = p ? PCAP(pcap_geterr)(p) : "cannot create a capture handle";
	if (rc == PCAP_ERROR_PERM_DENIED || strstr(msg, "ermission") || strstr(msg, "not permitted")) {
		warn_perm_once();
		return;
	}
	if (__atomic_fetch_add(&other_failures, 1, __ATOMIC_RELAXED) < 3)
		slog(LOG_WARN, "packet capture (-c) failed: %s (%s): tracing continues without .pcap files", msg,
		     PCAP(pcap_statustostr)(rc));
}

/* The kernel filter, set once before the first read: IPv4/IPv6 TCP and
 * UDP, headers only, and not the outgoing copy of a loopback packet (the
 * incoming copy is the one libpcap keeps; dropping it here rather than in
 * libpcap halves the ring's load from local traffic). Written by hand
 * rather than compiled by libpcap because libpcap's "any" header has no
 * interface index to filter on. On a cooked packet socket the program sees
 * the packet from its network header; the rest comes from ancillary loads. */
static bool attach_filter(int fd) {
	uint32_t lo = if_nametoindex("lo"); /* 0: none, then nothing matches it */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, lo, 9, 0), /* -> drop */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 2),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), /* IPv4 protocol */
		BPF_STMT(BPF_JMP | BPF_JA, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 4), /* -> drop */
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6), /* IPv6 next header */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, CAPTURE_SNAPLEN - SLL_HDR), /* bytes from the network header */
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {sizeof code / sizeof code[0], code};
	return REAL(setsockopt)(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

static pcap_t *open_handle(void) {
	if (!pcap_api_load()) return NULL; /* said why in logs.txt */
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = PCAP(pcap_create)("any", err);
	if (!p) {
		warn_failure(PCAP_ERROR, NULL);
		return NULL;
	}
	PCAP(pcap_set_snaplen)(p, CAPTURE_SNAPLEN);
	PCAP(pcap_set_promisc)(p, 0);
	PCAP(pcap_set_immediate_mode)(p, 1); /* packets are readable as soon as they are in the ring */
	PCAP(pcap_set_buffer_size)(p, CAPTURE_RING_BYTES);
	/* Its packet socket goes out of the program's way (ownfd.h). */
	tstate_get()->adopt_fds = 1;
	int rc = PCAP(pcap_activate)(p);
	tstate_get()->adopt_fds = 0;
	if (rc < 0) {
		warn_failure(rc, p);
		PCAP(pcap_close)(p);
		return NULL;
	}
	int fd = PCAP(pcap_get_selectable_fd)(p);
	if (fd < 0 || PCAP(pcap_datalink)(p) != DLT_LINUX_SLL || PCAP(pcap_setnonblock)(p, 1, err) < 0) {
		warn_failure(PCAP_ERROR, p);
		PCAP(pcap_close)(p);
		return NULL;
	}
	if (!attach_filter(fd)) {
		slog(LOG_WARN, "packet capture (-c): cannot set its kernel filter (%s): tracing continues without "
			       ".pcap files", strerror(errno));
		PCAP(pcap_close)(p);
		return NULL;
	}
	REAL(fcntl)(fd, F_SETFD, FD_CLOEXEC); /* not into programs the traced one execs */
	return p;
}

/* Opens the process's handle and starts its thread, once; true if they run.
 * The first caller waits the 10-20 ms the kernel takes; the others wait for
 * it rather than miss packets. */
static bool ensure_handle(void) {
	int st = __atomic_load_n(&handle_state, __ATOMIC_ACQUIRE);
	if (st) return st > 0;
	pthread_mutex_lock(&open_mu);
	st = handle_state;
	if (!st) {
		pcap_t *p = open_handle();
		if (p) {
			pthread_mutex_lock(&lock);
			handle = p;
			__atomic_store_n(&handle_fd, PCAP(pcap_get_selectable_fd)(p), __ATOMIC_RELEASE);
			thread_started = start_thread();
			pthread_mutex_unlock(&lock);
		}
		/* a handle without its thread stays open, unread: rare enough */
		st = p && thread_started ? 1 : -1;
		__atomic_store_n(&handle_state, st, __ATOMIC_RELEASE);
		if (st > 0) slog(LOG_DEBUG, "packet capture (-c) on \"any\" (TCP and UDP)");
	}
	pthread_mutex_unlock(&open_mu);
	return st > 0;
}

/* ---- the API ---- */

static bool capturable(const struct sock *s) {
	if (s->info.type == SOCK_STREAM) return s->info.protocol == 0 || s->info.protocol == IPPROTO_TCP;
	if (s->info.type == SOCK_DGRAM) return s->info.protocol == 0 || s->info.protocol == IPPROTO_UDP;
	return false;
}

/* A UDP socket got its peer after a local-only start (bind or send, then
 * connect): from now on, that peer's packets only. */
static void refine(struct cap *c, int fd) {
	struct match m;
	if (!socket_match(fd, c->s, &m) || !m.has_peer) return;
	pthread_mutex_lock(&lock);
	if (!c->done && !c->stop_at && !c->m.has_peer) {
		bucket_del(c); /* the port stays, unless the socket was rebound */
		c->m = m;
		bucket_add(c);
	}
	pthread_mutex_unlock(&lock);
	char what[128];
	describe(&m, what, sizeof what);
	slog(LOG_DEBUG, "capture of socket %d now %s", c->s->id, what);
}

/* Returns the new s->capture: a cap, NULL (addresses not fixed yet, or a
 * TCP socket with no peer: listening, or bound before connect; its port
 * alone would match every accepted connection) or OFF. */
static void *start(struct sock *s, int fd) {
	if (!ensure_handle()) return OFF;
	struct match m;
	if (!socket_match(fd, s, &m) || (m.proto == IPPROTO_TCP && !m.has_peer)) return NULL;
	struct cap *c = calloc(1, sizeof *c);
	if (!c) return OFF;
	c->s = s;
	c->m = m;
	pthread_mutex_lock(&lock);
	bool full = nlive >= CAPTURE_MAX_LIVE, refused = full || exiting || handle_dead;
	bool warn_limit = full && !warned_limit;
	if (warn_limit) warned_limit = true;
	if (!refused) {
		backlog_claim(c); /* what came before: the handshake, a first datagram */
		c->next = caps;
		caps = c;
		bucket_add(c);
		nlive++;
	}
	pthread_mutex_unlock(&lock);
	if (warn_limit)
		slog(LOG_WARN, "packet capture (-c) is limited to %d sockets at a time: more are not captured",
		     CAPTURE_MAX_LIVE);
	if (refused) {
		free(c);
		return OFF;
	}
	char what[128];
	describe(&m, what, sizeof what);
	slog(LOG_DEBUG, "capture of socket %d into %d.pcap: %s", s->id, s->id, what);
	return c;
}

void capture_maybe_start(struct sock *s, int fd) {
	/* Not in a signal handler (it opens, allocates, locks): the socket's
	 * next call outside one starts it. */
	if (!opt.capture || !capturable(s) || tstate_in_handler()) return;
	void *cur = __atomic_load_n(&s->capture, __ATOMIC_ACQUIRE);
	if (cur == OFF || cur == STARTING) return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1; /* libpcap's socket, setsockopt, close... are ours */
	if (cur) {
		struct cap *c = cur;
		if (!c->m.has_peer) refine(c, fd);
	} else if (__atomic_compare_exchange_n(&s->capture, &cur, STARTING, false, __ATOMIC_ACQ_REL,
					       __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&s->capture, start(s, fd), __ATOMIC_RELEASE);
	}
	ts->in_shim = was;
	errno = saved;
}

void capture_before_connect(struct sock *s, int fd, const struct sockaddr *addr, socklen_t len) {
	(void)fd, (void)addr, (void)len;
	if (!opt.capture || !capturable(s) || __atomic_load_n(&handle_state, __ATOMIC_ACQUIRE) || tstate_in_handler())
		return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	ensure_handle(); /* the handshake goes into the ring; the socket claims it after connect */
	ts->in_shim = was;
	errno = saved;
}

void capture_stop(struct sock *s) {
	void *cur = __atomic_load_n(&s->capture, __ATOMIC_ACQUIRE);
	/* Another thread still starting it while the program closes the socket:
	 * wait for it (bounded; only the first start opens the handle). */
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
	if (tstate_in_handler()) { /* the interrupted code may hold the lock, or malloc's that its holder waits for */
		__atomic_store_n(&c->stop_req, true, __ATOMIC_RELEASE);
		return;
	}
	struct tstate *ts = tstate_get();
	int was = ts->in_shim;
	ts->in_shim = 1; /* a signal handler's hooks must not come back for the lock */
	pthread_mutex_lock(&lock);
	if (!c->done && !c->stop_at)
		c->stop_at = now_usec() + (c->m.proto == IPPROTO_TCP ? CAPTURE_GRACE_USEC : CAPTURE_UDP_GRACE_USEC);
	pthread_mutex_unlock(&lock);
	ts->in_shim = was;
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
	struct ownfile f;
	bool ok = ownfile_open(&f, path, flags, 0644);
	if (ok && !c->file_started) {
		struct {
			uint32_t magic;
			uint16_t major, minor;
			int32_t thiszone;
			uint32_t sigfigs, snaplen, linktype;
		} hdr = {0xa1b2c3d4, 2, 4, 0, 0, CAPTURE_SNAPLEN, DLT_LINUX_SLL};
		ok = ownfile_write(&f, (const char *)&hdr, sizeof hdr);
		c->file_started = ok;
	}
	if (ok && len) ok = ownfile_write(&f, buf, len);
	if (!ok) slog(LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
	if (ownfile_is_open(&f)) ownfile_close(&f);
}

void capture_flush_all(void) {
	if (!opt.capture || !__atomic_load_n(&thread_started, __ATOMIC_ACQUIRE)) return;
	struct tstate *ts = tstate_get();
	int was = ts->in_shim, saved = errno;
	ts->in_shim = 1;
	if (!lock_bounded(&flush_mu, 50)) goto out;
	if (!lock_bounded(&lock, 50)) {
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
		v[k++] = (struct pending){c, c->buf, c->len};
		buffered -= c->len;
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
		if (c->done && !c->len) {
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
	if (lock_bounded(&lock, 50)) {
		exiting = true;
		int64_t soon = now_usec() + CAPTURE_EXIT_GRACE_USEC;
		for (struct cap *c = caps; c; c = c->next)
			if (!c->done && (!c->stop_at || c->stop_at > soon)) c->stop_at = soon;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CAPTURE_EXIT_WAIT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000;
		until.tv_nsec %= 1000000000;
		while (nlive && !handle_dead && pthread_cond_timedwait(&idle, &lock, &until) == 0) {}
		pthread_mutex_unlock(&lock);
	}
	ts->in_shim = was;
	errno = saved;
}

void capture_surrender_fd(int fd) {
	if (fd < 0 || __atomic_load_n(&handle_fd, __ATOMIC_ACQUIRE) != fd) return;
	/* Under the lock the thread reads the handle with: once we have it,
	 * the thread never touches the fd again. */
	bool locked = !tstate_in_handler() && lock_bounded(&lock, 1000);
	__atomic_store_n(&handle_dead, true, __ATOMIC_RELEASE);
	__atomic_store_n(&handle_fd, -1, __ATOMIC_RELEASE);
	if (locked) pthread_mutex_unlock(&lock);
	if (!tstate_in_handler()) /* slog takes the log's lock */
		slog(LOG_WARN, "packet capture (-c) stopped: the program put another file on its fd (dup2)");
}

void capture_prepare_fork(void) {
	pthread_mutex_lock(&open_mu);
	pthread_mutex_lock(&flush_mu);
	pthread_mutex_lock(&lock);
}

void capture_parent_after_fork(void) {
	pthread_mutex_unlock(&lock);
	pthread_mutex_unlock(&flush_mu);
	pthread_mutex_unlock(&open_mu);
}

void capture_reset_after_fork(void) {
	/* No capture thread here, and the parent's buffers are the parent's to
	 * write: close our copy of its packet socket (never pcap_close: the
	 * ring is mapped from the parent's socket) and start empty. The child
	 * opens its own handle when one of its sockets needs it. */
	int fd = __atomic_load_n(&handle_fd, __ATOMIC_ACQUIRE);
	if (fd >= 0 && ownfd_is(fd)) ownfd_close(fd); /* never a number the program took since */
	handle_fd = -1;
	handle = NULL;
	handle_state = 0;
	handle_dead = false;
	kdrops_reported = 0;
	pthread_mutex_init(&lock, NULL);
	pthread_mutex_init(&flush_mu, NULL);
	pthread_mutex_init(&open_mu, NULL);
	pthread_cond_init(&idle, NULL);
	caps = NULL;
	memset(bucket, 0, sizeof bucket);
	nlive = 0;
	buffered = 0;
	bl = NULL; /* the parent's copy, left alone */
	bl_head = bl_len = bl_size = 0;
	thread_started = exiting = false;
	warned_perm = warned_limit = false; /* the child's own logs.txt says it too */
	other_failures = 0;
}

void capture_after_send(struct sock *s, int fd) {
	if (LIKELY(!opt.capture) || s->info.type != SOCK_DGRAM) return;
	if (__atomic_load_n(&s->capture, __ATOMIC_ACQUIRE)) return;
	capture_maybe_start(s, fd);
}

/* A program whose socket calls are known: it prints one line per call on a
 * socket, which the stats tests count independently of the trace:
 *     rec <function> <socket label> <return value> <errno|-> <tid> [key=value...]
 * keys: buf (size asked), moved (bytes moved), flags (MSG_* joined by |),
 * iov (iovec count), opt (LEVEL:OPTNAME), phase (where in the socket's
 * life an option was used), cmd, nonblock/cloexec (fcntl), req, dom, type,
 * evreq/evret (poll, select events).
 * argv[1], when given, is a non-loopback address of this host: a UDP
 * socket exchanges datagrams with itself there (a "remote" socket). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void rec(const char *fn, const char *sock, long ret, int err, const char *fmt, ...) {
	char extra[256] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(extra, sizeof extra, fmt, ap);
		va_end(ap);
	}
	dprintf(1, "rec %s %s %ld %s %d %s\n", fn, sock, ret, ret < 0 ? strerrorname_np(err) : "-", gettid(), extra);
}

/* R(fn, sock, call, fmt, ...): run the call, print its line. */
#define R(fn, sock, expr, ...)                                  \
	({                                                      \
		long _r = (long)(expr);                         \
		int _e = errno;                                 \
		rec(fn, sock, _r, _e, __VA_ARGS__);             \
		errno = _e;                                     \
		_r;                                             \
	})

static void die(const char *what) {
	dprintf(2, "statsprog: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void *udp6(void *arg) {
	(void)arg;
	const char *s = "u6";
	int u = R("socket", s, socket(AF_INET6, SOCK_DGRAM, 0), "dom=AF_INET6 type=SOCK_DGRAM cloexec=0 nonblock=0");
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
	socklen_t len = sizeof a;
	if (R("bind", s, bind(u, (struct sockaddr *)&a, sizeof a), NULL) < 0) die("bind u6");
	R("getsockname", s, getsockname(u, (struct sockaddr *)&a, &len), NULL);
	char buf[100] = {0};
	for (int i = 0; i < 3; i++) {
		long n = R("sendto", s, sendto(u, buf, 40 + i, 0, (struct sockaddr *)&a, sizeof a), "buf=%d moved=%d flags=", 40 + i, 40 + i);
		if (n < 0) die("sendto");
	}
	for (int i = 0; i < 3; i++)
		R("recvfrom", s, recvfrom(u, buf, sizeof buf, 0, NULL, NULL), "buf=100 moved=%d flags=", 40 + i);
	struct iovec iov[2] = {{buf, 10}, {buf + 10, 20}};
	struct mmsghdr mm[2];
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_name = &a;
		mm[i].msg_hdr.msg_namelen = sizeof a;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	R("sendmmsg", s, sendmmsg(u, mm, 2, MSG_DONTWAIT), "buf=30 moved=30 flags=MSG_DONTWAIT");
	R("close", s, close(u), NULL);
	return NULL;
}

int main(int argc, char **argv) {
	char buf[4096];
	memset(buf, 'x', sizeof buf);
	int one = 1;

	/* A closed port: bind, learn it, close, connect there later. */
	int p = R("socket", "gone", socket(AF_INET, SOCK_STREAM, 0), "dom=AF_INET type=SOCK_STREAM cloexec=0 nonblock=0");
	struct sockaddr_in ga = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof ga;
	R("bind", "gone", bind(p, (struct sockaddr *)&ga, sizeof ga), NULL);
	R("getsockname", "gone", getsockname(p, (struct sockaddr *)&ga, &len), NULL);
	R("close", "gone", close(p), NULL);

	int bad = R("socket", "bad", socket(AF_INET, SOCK_STREAM, 0), "dom=AF_INET type=SOCK_STREAM cloexec=0 nonblock=0");
	R("connect", "bad", connect(bad, (struct sockaddr *)&ga, sizeof ga), NULL);
	R("setsockopt", "bad", setsockopt(bad, SOL_SOCKET, 9999, &one, sizeof one), "opt=SOL_SOCKET:9999 phase=before-connect");
	R("close", "bad", close(bad), NULL);

	int l = R("socket", "lst", socket(AF_INET, SOCK_STREAM, 0), "dom=AF_INET type=SOCK_STREAM cloexec=0 nonblock=0");
	R("setsockopt", "lst", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "opt=SOL_SOCKET:SO_REUSEADDR phase=before-connect");
	struct sockaddr_in la = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	len = sizeof la;
	R("bind", "lst", bind(l, (struct sockaddr *)&la, sizeof la), NULL);
	R("getsockname", "lst", getsockname(l, (struct sockaddr *)&la, &len), NULL);
	R("listen", "lst", listen(l, 4), NULL);

	const char *c = "cli";
	int cl = R("socket", c, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "dom=AF_INET type=SOCK_STREAM cloexec=1 nonblock=0");
	/* The trace names level IPPROTO_TCP (6) as the original did: SOL_TCP. */
	R("setsockopt", c, setsockopt(cl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), "opt=SOL_TCP:TCP_NODELAY phase=before-connect");
	if (R("connect", c, connect(cl, (struct sockaddr *)&la, sizeof la), NULL) < 0) die("connect");
	int sv = R("accept", "lst", accept(l, NULL, NULL), NULL);
	if (sv < 0) die("accept");
	R("setsockopt", c, setsockopt(cl, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one), "opt=SOL_SOCKET:SO_KEEPALIVE phase=before-data");
	R("send", c, send(cl, buf, 100, 0), "buf=100 moved=100 flags=");
	R("send", c, send(cl, buf, 200, MSG_NOSIGNAL), "buf=200 moved=200 flags=MSG_NOSIGNAL");
	R("send", c, send(cl, buf, 50, MSG_MORE | MSG_NOSIGNAL), "buf=50 moved=50 flags=MSG_MORE|MSG_NOSIGNAL");
	R("write", c, write(cl, buf, 300), "buf=300 moved=300");
	struct iovec wv[3] = {{buf, 10}, {buf, 20}, {buf, 30}};
	R("writev", c, writev(cl, wv, 3), "buf=60 moved=60 iov=3");
	struct iovec mv[2] = {{buf, 5}, {buf, 7}};
	struct msghdr mh = {.msg_iov = mv, .msg_iovlen = 2};
	R("sendmsg", c, sendmsg(cl, &mh, 0), "buf=12 moved=12 iov=2 flags=");
	int sz = 65536;
	R("setsockopt", c, setsockopt(cl, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz), "opt=SOL_SOCKET:SO_SNDBUF phase=during-data");
	struct tcp_info ti;
	socklen_t tl = sizeof ti;
	R("getsockopt", c, getsockopt(cl, IPPROTO_TCP, TCP_INFO, &ti, &tl), "opt=SOL_TCP:TCP_INFO phase=during-data");
	long fl = R("fcntl", c, fcntl(cl, F_GETFL), "cmd=F_GETFL nonblock=0");
	R("fcntl", c, fcntl(cl, F_SETFL, fl | O_NONBLOCK), "cmd=F_SETFL nonblock=1");
	R("fcntl", c, fcntl(cl, F_GETFL), "cmd=F_GETFL nonblock=1");
	R("recv", c, recv(cl, buf, 64, 0), "buf=64 moved=0 flags=");
	R("fcntl", c, fcntl(cl, F_GETFD), "cmd=F_GETFD cloexec=1");
	R("fcntl", c, fcntl(cl, F_SETFD, 0), "cmd=F_SETFD cloexec=0");
	int avail = 0;
	R("ioctl", c, ioctl(cl, FIONREAD, &avail), "req=FIONREAD");
	R("shutdown", c, shutdown(cl, SHUT_WR), NULL);
	struct linger lg = {1, 0};
	R("setsockopt", c, setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), "opt=SOL_SOCKET:SO_LINGER phase=after-shutdown");

	const char *s = "srv";
	struct pollfd pf = {sv, POLLIN, 0};
	R("poll", s, poll(&pf, 1, 5000), "evreq=POLLIN evret=POLLIN");
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(sv, &rs);
	struct timeval tv = {5, 0};
	R("select", s, select(sv + 1, &rs, NULL, NULL, &tv), "evreq=READ evret=READ");
	long n = R("recv", s, recv(sv, buf, 16, MSG_PEEK), "buf=16 moved=16 flags=MSG_PEEK");
	n = R("recv", s, recv(sv, buf, 100, 0), "buf=100 moved=100 flags=");
	struct iovec rv[2] = {{buf, 50}, {buf + 50, 50}};
	struct msghdr rh = {.msg_iov = rv, .msg_iovlen = 2};
	R("recvmsg", s, recvmsg(sv, &rh, MSG_WAITALL), "buf=100 moved=100 iov=2 flags=MSG_WAITALL");
	struct iovec rv2[2] = {{buf, 25}, {buf + 25, 25}};
	R("readv", s, readv(sv, rv2, 2), "buf=50 moved=50 iov=2");
	/* 722 bytes were sent; 266 read so far: read the rest, then EOF. */
	long total = 266;
	while (total < 722) {
		n = read(sv, buf, 256);
		rec("read", s, n, errno, "buf=256 moved=%ld", n);
		if (n <= 0) die("read");
		total += n;
	}
	R("read", s, read(sv, buf, 256), "buf=256 moved=0");
	R("close", s, close(sv), NULL);
	R("close", c, close(cl), NULL);
	R("close", "lst", close(l), NULL);

	pthread_t th;
	if (pthread_create(&th, NULL, udp6, NULL) != 0) die("pthread_create");
	pthread_join(th, NULL);

	if (argc > 1) {
		const char *r = "ur";
		int u = R("socket", r, socket(AF_INET, SOCK_DGRAM, 0), "dom=AF_INET type=SOCK_DGRAM cloexec=0 nonblock=0");
		struct sockaddr_in ra = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, argv[1], &ra.sin_addr) != 1) die("address");
		len = sizeof ra;
		if (R("bind", r, bind(u, (struct sockaddr *)&ra, sizeof ra), NULL) < 0) die("bind (argv[1] must be an address of this host)");
		R("getsockname", r, getsockname(u, (struct sockaddr *)&ra, &len), NULL);
		R("sendto", r, sendto(u, buf, 33, 0, (struct sockaddr *)&ra, sizeof ra), "buf=33 moved=33 flags=");
		R("recvfrom", r, recvfrom(u, buf, 64, 0, NULL, NULL), "buf=64 moved=33 flags=");
		R("close", r, close(u), NULL);
	}
	return 0;
}

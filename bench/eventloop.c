/* An event-loop server as nginx and redis are: one thread, one epoll_wait
 * loop, 1 000 live connections, and connections opened and closed all the
 * time. SIZE (default 100 000) requests of 64 bytes, answered with 64
 * bytes, in rounds of one request on each of the 1 000 connections; after
 * each round the client closes 20 connections and opens 20 new ones.
 *
 * The server is level-triggered and registers a connection for writing only
 * while it owes a reply (EPOLL_CTL_MOD to EPOLLOUT and back, as redis does);
 * it never uses EPOLL_CTL_DEL: it just closes a connection whose client has
 * gone, as nginx does. Every epoll_ctl on a socket is one call; each socket
 * an epoll_wait returns is one call too, since the shim records one
 * epoll_wait event per ready socket. */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS 1000
#define CHURN 20 /* connections closed and reopened after each round */
#define MSG 64
#define MAXEV 256

static long rounds;

/* Connections the server will see in all: the first CONNS, then CHURN new
 * ones after every round but the last. */
static long total_conns(void) { return CONNS + (rounds - 1) * CHURN; }

static void epoll_ctl_counted(int ep, int op, int fd, unsigned events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (BENCH_CALL(epoll_ctl(ep, op, fd, &ev)) < 0)
		bench_die("epoll_ctl");
}

static void server(void *arg)
{
	(void)arg;
	int port;
	int lfd = bench_listen(SOCK_STREAM, &port);
	/* A backlog for all 1 000 at once: a full queue drops SYNs, and the
	 * client's connect would wait a second for the retransmission. */
	if (BENCH_CALL(listen(lfd, CONNS + CHURN)) < 0)
		bench_die("listen");
	int ep = epoll_create1(0);
	if (ep < 0)
		bench_die("epoll_create1");
	epoll_ctl_counted(ep, EPOLL_CTL_ADD, lfd, EPOLLIN);
	bench_server_ready(port);

	/* Bytes of the current request received so far, per fd. */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	size_t maxfd = rl.rlim_cur < (1 << 20) ? rl.rlim_cur : (1 << 20);
	unsigned char *got = calloc(maxfd, 1);
	if (!got)
		bench_die("calloc");
	char buf[MSG] = {0};
	long closed = 0, want = total_conns();
	struct epoll_event evs[MAXEV];
	while (closed < want) {
		int n = epoll_wait(ep, evs, MAXEV, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("epoll_wait");
		}
		bench_count(n); /* one recorded event per ready socket */
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c = BENCH_CALL(accept4(lfd, NULL, NULL, SOCK_NONBLOCK));
				if (c < 0)
					bench_die("accept4");
				if ((size_t)c >= maxfd) {
					errno = EMFILE;
					bench_die("accept4");
				}
				got[c] = 0;
				epoll_ctl_counted(ep, EPOLL_CTL_ADD, c, EPOLLIN);
			} else if (evs[i].events & EPOLLOUT) {
				if (BENCH_CALL(send(fd, buf, MSG, 0)) != MSG)
					bench_die("send");
				epoll_ctl_counted(ep, EPOLL_CTL_MOD, fd, EPOLLIN);
			} else {
				ssize_t r = BENCH_CALL(recv(fd, buf + got[fd], MSG - got[fd], 0));
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r < 0)
					bench_die("recv");
				if (r == 0) { /* the client closed: no EPOLL_CTL_DEL */
					bench_close(fd);
					closed++;
					continue;
				}
				got[fd] += r;
				if (got[fd] == MSG) {
					got[fd] = 0;
					epoll_ctl_counted(ep, EPOLL_CTL_MOD, fd, EPOLLOUT);
				}
			}
		}
	}
	bench_close(lfd);
	close(ep);
	free(got);
}

int main(int argc, char **argv)
{
	long requests = bench_init(argc, argv, 100000);
	rounds = (requests + CONNS - 1) / CONNS;
	/* 1 000 connections and the tracer's own files need more than the
	 * usual soft limit of 1 024 descriptors. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pid_t pid;
	int port = bench_fork_server(server, NULL, &pid);
	static int fds[CONNS];
	for (int i = 0; i < CONNS; i++)
		fds[i] = bench_connect(SOCK_STREAM, port);
	char buf[MSG] = "request";
	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < CONNS; i++)
			bench_send_all(fds[i], buf, MSG);
		for (int i = 0; i < CONNS; i++)
			bench_recv_all(fds[i], buf, MSG);
		if (r == rounds - 1)
			break;
		for (int k = 0; k < CHURN; k++) {
			int i = (int)((r * CHURN + k) % CONNS);
			bench_close(fds[i]);
			fds[i] = bench_connect(SOCK_STREAM, port);
		}
	}
	for (int i = 0; i < CONNS; i++)
		bench_close(fds[i]);
	bench_wait(pid);
	bench_report();
	return 0;
}

/* Bulk TCP transfer on loopback: SIZE MiB (default 2048, i.e. 2 GiB) written
 * with write() in 64 KiB chunks to a forked server that read()s it all. Uses
 * write/read rather than send/recv so the shim's write/read path (the same
 * calls a regular file uses) is measured on a socket. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static long long total;

static void sink_server(void *arg)
{
	(void)arg;
	int port;
	int lfd = bench_listen(SOCK_STREAM, &port);
	bench_server_ready(port);
	int fd = BENCH_CALL(accept(lfd, NULL, NULL));
	if (fd < 0)
		bench_die("accept");
	static char buf[CHUNK];
	long long got = 0;
	for (;;) {
		ssize_t n = BENCH_CALL(read(fd, buf, sizeof buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("read");
		}
		if (n == 0)
			break;
		got += n;
	}
	if (got != total) {
		fprintf(stderr, "bench: received %lld bytes, expected %lld\n", got, total);
		exit(1);
	}
	bench_close(fd);
	bench_close(lfd);
}

int main(int argc, char **argv)
{
	total = (long long)bench_init(argc, argv, 2048) * 1024 * 1024;
	pid_t pid;
	int port = bench_fork_server(sink_server, NULL, &pid);
	int fd = bench_connect(SOCK_STREAM, port);
	static char buf[CHUNK];
	for (long long sent = 0; sent < total;) {
		long long left = total - sent;
		size_t len = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t n = BENCH_CALL(write(fd, buf, len));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("write");
		}
		sent += n;
	}
	bench_close(fd);
	bench_wait(pid);
	bench_report();
	return 0;
}

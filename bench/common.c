/* Shared helpers for the benchmark workloads; see common.h. */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static long *calls;        /* shared with forked children */
static int ready_fd = -1;  /* server child: write end of the port pipe */

void bench_count(long n)
{
	__atomic_fetch_add(calls, n, __ATOMIC_RELAXED);
}

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

long bench_init(int argc, char **argv, long default_size)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("tcpsnitch-bench 1\n");
		exit(0);
	}
	long size = default_size;
	if (argc > 2) {
		fprintf(stderr, "usage: %s [SIZE]\n", argv[0]);
		exit(2);
	}
	if (argc == 2) {
		char *end;
		size = strtol(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || size <= 0) {
			fprintf(stderr, "bench: size must be a positive integer, got %s\n", argv[1]);
			exit(2);
		}
	}
	calls = mmap(NULL, sizeof *calls, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (calls == MAP_FAILED)
		bench_die("mmap");
	return size;
}

void bench_report(void)
{
	printf("bench: calls=%ld\n", __atomic_load_n(calls, __ATOMIC_RELAXED));
	fflush(stdout);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

int bench_listen(int type, int *port)
{
	int fd = BENCH_CALL(socket(AF_INET, type, 0));
	if (fd < 0)
		bench_die("socket");
	struct sockaddr_in sa = loopback(0);
	if (BENCH_CALL(bind(fd, (struct sockaddr *)&sa, sizeof sa)) < 0)
		bench_die("bind");
	socklen_t len = sizeof sa;
	if (BENCH_CALL(getsockname(fd, (struct sockaddr *)&sa, &len)) < 0)
		bench_die("getsockname");
	if (type == SOCK_STREAM && BENCH_CALL(listen(fd, 128)) < 0)
		bench_die("listen");
	*port = ntohs(sa.sin_port);
	return fd;
}

int bench_connect(int type, int port)
{
	int fd = BENCH_CALL(socket(AF_INET, type, 0));
	if (fd < 0)
		bench_die("socket");
	struct sockaddr_in sa = loopback(port);
	if (BENCH_CALL(connect(fd, (struct sockaddr *)&sa, sizeof sa)) < 0)
		bench_die("connect");
	return fd;
}

int bench_fork_server(bench_server_fn server, void *arg, pid_t *pid)
{
	int p[2];
	if (pipe(p) < 0)
		bench_die("pipe");
	*pid = fork();
	if (*pid < 0)
		bench_die("fork");
	if (*pid == 0) {
		close(p[0]);
		ready_fd = p[1];
		server(arg);
		exit(0); /* exit, not _exit: a normal end for the tracer */
	}
	close(p[1]);
	int port;
	ssize_t n = read(p[0], &port, sizeof port);
	if (n != sizeof port) {
		fprintf(stderr, "bench: server did not start\n");
		exit(1);
	}
	close(p[0]);
	return port;
}

void bench_server_ready(int port)
{
	if (write(ready_fd, &port, sizeof port) != sizeof port)
		bench_die("write port");
	close(ready_fd);
}

void bench_wait(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		bench_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: server failed (status %#x)\n", status);
		exit(1);
	}
}

void bench_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = BENCH_CALL(send(fd, p, len, 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("send");
		}
		p += n;
		len -= n;
	}
}

void bench_recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = BENCH_CALL(recv(fd, p, len, 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("recv");
		}
		if (n == 0) {
			fprintf(stderr, "bench: peer closed early\n");
			exit(1);
		}
		p += n;
		len -= n;
	}
}

void bench_close(int fd)
{
	if (BENCH_CALL(close(fd)) < 0)
		bench_die("close");
}

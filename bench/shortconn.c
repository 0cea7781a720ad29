/* Many short TCP connections on loopback: SIZE times (default 5 000)
 * socket/connect/send/recv/close of 64 bytes against a forked server that
 * accepts, receives, answers and closes each one. */
#include "common.h"

#include <sys/socket.h>

#define MSG 64

static long conns;

static void server(void *arg)
{
	(void)arg;
	int port;
	int lfd = bench_listen(SOCK_STREAM, &port);
	bench_server_ready(port);
	char buf[MSG];
	for (long i = 0; i < conns; i++) {
		int fd = BENCH_CALL(accept(lfd, NULL, NULL));
		if (fd < 0)
			bench_die("accept");
		bench_recv_all(fd, buf, MSG);
		bench_send_all(fd, buf, MSG);
		bench_close(fd);
	}
	bench_close(lfd);
}

int main(int argc, char **argv)
{
	conns = bench_init(argc, argv, 5000);
	pid_t pid;
	int port = bench_fork_server(server, NULL, &pid);
	char buf[MSG] = "hello";
	for (long i = 0; i < conns; i++) {
		int fd = bench_connect(SOCK_STREAM, port);
		bench_send_all(fd, buf, MSG);
		bench_recv_all(fd, buf, MSG);
		bench_close(fd);
	}
	bench_wait(pid);
	bench_report();
	return 0;
}

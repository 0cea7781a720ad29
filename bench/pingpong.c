/* TCP ping-pong on loopback: SIZE round trips of a 64-byte message
 * (default 200 000) between this process and a forked echo server. */
#include "common.h"

#include <sys/socket.h>

#define MSG 64

static long rounds;

static void echo_server(void *arg)
{
	(void)arg;
	int port;
	int lfd = bench_listen(SOCK_STREAM, &port);
	bench_server_ready(port);
	int fd = BENCH_CALL(accept(lfd, NULL, NULL));
	if (fd < 0)
		bench_die("accept");
	char buf[MSG];
	for (long i = 0; i < rounds; i++) {
		bench_recv_all(fd, buf, MSG);
		bench_send_all(fd, buf, MSG);
	}
	bench_close(fd);
	bench_close(lfd);
}

int main(int argc, char **argv)
{
	rounds = bench_init(argc, argv, 200000);
	pid_t pid;
	int port = bench_fork_server(echo_server, NULL, &pid);
	int fd = bench_connect(SOCK_STREAM, port);
	char buf[MSG] = "ping";
	for (long i = 0; i < rounds; i++) {
		bench_send_all(fd, buf, MSG);
		bench_recv_all(fd, buf, MSG);
	}
	bench_close(fd);
	bench_wait(pid);
	bench_report();
	return 0;
}

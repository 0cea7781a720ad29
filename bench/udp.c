/* UDP on loopback: SIZE datagrams of 64 bytes (default 200 000) sent with
 * sendto to a forked server that reads them with recvfrom. The server
 * answers every WINDOW datagrams with a 1-byte ack, which the sender waits
 * for: this keeps the receive buffer from overflowing (UDP would drop
 * silently) without turning the run into a ping-pong. */
#include "common.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#define MSG 64
#define WINDOW 32

static long datagrams;

static long window_after(long i)
{
	long left = datagrams - i;
	return left < WINDOW ? left : WINDOW;
}

static void server(void *arg)
{
	(void)arg;
	int port;
	int fd = bench_listen(SOCK_DGRAM, &port);
	/* A lost datagram must fail the run, not hang it. */
	struct timeval tv = {.tv_sec = 10};
	if (BENCH_CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) < 0)
		bench_die("setsockopt");
	bench_server_ready(port);
	char buf[MSG];
	struct sockaddr_in peer;
	for (long i = 0; i < datagrams;) {
		long w = window_after(i);
		for (long j = 0; j < w; j++) {
			socklen_t len = sizeof peer;
			if (BENCH_CALL(recvfrom(fd, buf, sizeof buf, 0,
						(struct sockaddr *)&peer, &len)) != MSG)
				bench_die("recvfrom (datagram lost?)");
		}
		i += w;
		if (BENCH_CALL(sendto(fd, "k", 1, 0, (struct sockaddr *)&peer,
				      sizeof peer)) != 1)
			bench_die("sendto ack");
	}
	bench_close(fd);
}

int main(int argc, char **argv)
{
	datagrams = bench_init(argc, argv, 200000);
	pid_t pid;
	int port = bench_fork_server(server, NULL, &pid);
	int fd = BENCH_CALL(socket(AF_INET, SOCK_DGRAM, 0));
	if (fd < 0)
		bench_die("socket");
	struct timeval tv = {.tv_sec = 10}; /* a dead server fails the run */
	if (BENCH_CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) < 0)
		bench_die("setsockopt");
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char buf[MSG] = "datagram";
	for (long i = 0; i < datagrams;) {
		long w = window_after(i);
		for (long j = 0; j < w; j++)
			if (BENCH_CALL(sendto(fd, buf, MSG, 0, (struct sockaddr *)&to,
					      sizeof to)) != MSG)
				bench_die("sendto");
		i += w;
		struct sockaddr_in from;
		socklen_t len = sizeof from;
		if (BENCH_CALL(recvfrom(fd, buf, sizeof buf, 0,
					(struct sockaddr *)&from, &len)) != 1)
			bench_die("recvfrom ack");
	}
	bench_close(fd);
	bench_wait(pid);
	bench_report();
	return 0;
}

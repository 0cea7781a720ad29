/* 8-thread TCP ping-pong on loopback: 8 client threads, each with its own
 * connection to a forked server that echoes with one thread per connection.
 * SIZE round trips in total (default 200 000, i.e. 25 000 per thread), so
 * the row compares with the single-threaded ping-pong. */
#include "common.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#define THREADS 8
#define MSG 64

static long per_thread;
static int port;

static void *echo(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[MSG];
	for (long i = 0; i < per_thread; i++) {
		bench_recv_all(fd, buf, MSG);
		bench_send_all(fd, buf, MSG);
	}
	bench_close(fd);
	return NULL;
}

static void server(void *arg)
{
	(void)arg;
	int lport;
	int lfd = bench_listen(SOCK_STREAM, &lport);
	bench_server_ready(lport);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		int fd = BENCH_CALL(accept(lfd, NULL, NULL));
		if (fd < 0)
			bench_die("accept");
		if (pthread_create(&t[i], NULL, echo, (void *)(intptr_t)fd) != 0)
			bench_die("pthread_create");
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	bench_close(lfd);
}

static void *client(void *arg)
{
	(void)arg;
	int fd = bench_connect(SOCK_STREAM, port);
	char buf[MSG] = "ping";
	for (long i = 0; i < per_thread; i++) {
		bench_send_all(fd, buf, MSG);
		bench_recv_all(fd, buf, MSG);
	}
	bench_close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	long total = bench_init(argc, argv, 200000);
	per_thread = (total + THREADS - 1) / THREADS;
	pid_t pid;
	port = bench_fork_server(server, NULL, &pid);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, client, NULL) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	bench_wait(pid);
	bench_report();
	return 0;
}

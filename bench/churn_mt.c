/* 8-thread connection churn on loopback: 8 client threads each open, use
 * (64 bytes each way) and close SIZE short connections (default 2 000); a
 * forked server runs 8 threads that each accept and serve exactly SIZE of
 * them from the same listening socket. */
#include "common.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#define THREADS 8
#define MSG 64

static long per_thread;
static int port;

static void *serve(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	char buf[MSG];
	for (long i = 0; i < per_thread; i++) {
		int fd = BENCH_CALL(accept(lfd, NULL, NULL));
		if (fd < 0)
			bench_die("accept");
		bench_recv_all(fd, buf, MSG);
		bench_send_all(fd, buf, MSG);
		bench_close(fd);
	}
	return NULL;
}

static void server(void *arg)
{
	(void)arg;
	int lport;
	int lfd = bench_listen(SOCK_STREAM, &lport);
	bench_server_ready(lport);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, serve, (void *)(intptr_t)lfd) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	bench_close(lfd);
}

static void *client(void *arg)
{
	(void)arg;
	char buf[MSG] = "hello";
	for (long i = 0; i < per_thread; i++) {
		int fd = bench_connect(SOCK_STREAM, port);
		bench_send_all(fd, buf, MSG);
		bench_recv_all(fd, buf, MSG);
		bench_close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	per_thread = bench_init(argc, argv, 2000);
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

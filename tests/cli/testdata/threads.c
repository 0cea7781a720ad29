/* Test program for -v: a second thread makes the socket calls, so that the
 * thread id on each line can be told from the process id.
 *   threads <open-port> <closed-port>
 * prints "pid <pid> tid <tid>" on stdout, then in the thread: a blocking
 * connect to the closed port (ECONNREFUSED), and on a second socket
 * fcntl(F_SETFL, O_NONBLOCK), connect to the open port (EINPROGRESS),
 * poll(POLLOUT), close. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_port, closed_port;

static struct sockaddr_in addr(int port) {
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

static void *work(void *arg) {
	(void)arg;
	printf("pid %d tid %ld\n", (int)getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr(closed_port);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) exit(3);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	a = addr(open_port);
	connect(fd, (struct sockaddr *)&a, sizeof a);
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, 5000) != 1) exit(4);
	close(fd);
	return NULL;
}

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	open_port = atoi(argv[1]);
	closed_port = atoi(argv[2]);
	pthread_t t;
	pthread_create(&t, NULL, work, NULL);
	pthread_join(t, NULL);
	return 0;
}

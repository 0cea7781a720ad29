/* Sends numbered datagrams so a test can check the trace against what was
 * sent, in order.
 *   spooler many N          N sockets one after the other: socket, sendto, close
 *   spooler rounds K R      K sockets; R rounds of one sendto each (length
 *                           = round + 1, 1 ms apart); then close all
 *   spooler hang K R        as rounds, then prints "sent <pid>" and sleeps until
 *                           killed (the test kills it with SIGKILL)
 *   spooler flood N         one socket's sendto, then a file size limit of 0
 *                           (as sshd's sandboxed child sets), then N sendtos
 *                           on it */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in dst;
static char buf[4096];

static void send_one(int fd, int len) {
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst, sizeof dst) != len) perror("sendto");
}

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	dst.sin_family = AF_INET;
	dst.sin_port = htons(9); /* discard: nobody listens, sendto still succeeds */
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!strcmp(argv[1], "many")) {
		for (int i = 0, n = atoi(argv[2]); i < n; i++) {
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			send_one(fd, 1);
			close(fd);
		}
		return 0;
	}
	if (!strcmp(argv[1], "flood")) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		send_one(fd, 1);
		struct rlimit zero = {0, 0};
		if (setrlimit(RLIMIT_FSIZE, &zero)) perror("setrlimit");
		for (int i = 0, n = atoi(argv[2]); i < n; i++) send_one(fd, 1);
		return 0;
	}
	if (argc < 4) return 2;
	int k = atoi(argv[2]), r = atoi(argv[3]);
	int fds[64];
	if (k > 64) return 2;
	for (int i = 0; i < k; i++) fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
	for (int round = 0; round < r; round++) {
		for (int i = 0; i < k; i++) send_one(fds[i], round + 1);
		usleep(1000);
	}
	if (!strcmp(argv[1], "hang")) {
		printf("sent %d\n", (int)getpid());
		fflush(stdout);
		for (;;) pause();
	}
	for (int i = 0; i < k; i++) close(fds[i]);
	return 0;
}

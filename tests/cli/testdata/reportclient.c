/* Test client for `tcpsnitch report`: traffic whose truth it prints.
 *   reportclient <tcp port> <closed port> <udp port>
 * 1. TCP: connects to 127.0.0.1:<tcp port>, sends an HTTP GET, reads the
 *    answer to the end, closes.
 * 2. TCP: connects to 127.0.0.1:<closed port> (refused), closes.
 * 3. UDP: sends 3 datagrams of 100, 200 and 300 bytes to <udp port>.
 * Prints "tcp_sent=N tcp_recv=N recv_calls=N refused=0|1 udp_sent=N" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr(const char *port) {
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

int main(int argc, char **argv) {
	if (argc < 4) return 2;
	long sent = 0, recvd = 0, usent = 0, rcalls = 0;
	int refused = 0;

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr(argv[1]);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
	const char *req = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	ssize_t n = send(fd, req, strlen(req), 0);
	if (n > 0) sent += n;
	char buf[1000];
	do {
		n = recv(fd, buf, sizeof buf, 0);
		rcalls++;
		if (n > 0) recvd += n;
	} while (n > 0);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	a = addr(argv[2]);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno == ECONNREFUSED) refused = 1;
	close(fd);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a = addr(argv[3]);
	memset(buf, 'u', sizeof buf);
	for (int i = 1; i <= 3; i++) {
		n = sendto(fd, buf, 100 * i, 0, (struct sockaddr *)&a, sizeof a);
		if (n > 0) usent += n;
	}
	close(fd);
	printf("tcp_sent=%ld tcp_recv=%ld recv_calls=%ld refused=%d udp_sent=%ld\n", sent, recvd, rcalls, refused, usent);
	return 0;
}

/* Test client: connects to 127.0.0.1:<port>, sends an HTTP GET, reads the
 * whole answer and prints it on stdout.
 *   client <port>        then closes and exits 0
 *   client <port> hold   prints "ready" on stderr after the exchange and
 *                        waits for stdin to close (or a signal) before close
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) return 2;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
	const char *req = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	if (send(fd, req, strlen(req), 0) != (ssize_t)strlen(req)) return 1;
	char buf[4096];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) fwrite(buf, 1, n, stdout);
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "hold") == 0) {
		fprintf(stderr, "ready\n");
		while (read(0, buf, sizeof buf) > 0) {}
	}
	close(fd);
	return 0;
}

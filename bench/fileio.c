/* Regular-file I/O, no socket at all: SIZE calls (default 1 000 000), half
 * write()s of 64 bytes to an unlinked temporary file, then half read()s of
 * it back. A tracer must leave these calls alone: zero events expected. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MSG 64

int main(int argc, char **argv)
{
	long n = bench_init(argc, argv, 1000000) / 2;
	char path[] = "/tmp/tcpsnitch-bench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		bench_die("mkstemp");
	unlink(path);
	char buf[MSG] = "file";
	for (long i = 0; i < n; i++)
		if (write(fd, buf, MSG) != MSG)
			bench_die("write");
	if (lseek(fd, 0, SEEK_SET) < 0)
		bench_die("lseek");
	for (long i = 0; i < n; i++)
		if (read(fd, buf, MSG) != MSG)
			bench_die("read");
	close(fd);
	bench_report();
	return 0;
}

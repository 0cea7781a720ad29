/* fsprobe DIR N: what creating one small file costs on the file system the
 * traces go to. Creates DIR, then N files of 300 bytes in it (open, write,
 * close: what the shim does for each socket's N.json) and prints the mean
 * wall time per file. The files are left in place: deleting them right away
 * would make the next files created nearby dearer on ext4 without a journal
 * (its allocator steps over recently deleted inodes one by one). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: fsprobe DIR N\n");
		return 2;
	}
	const char *dir = argv[1];
	int n = atoi(argv[2]);
	if (mkdir(dir, 0755) != 0) {
		perror(dir);
		return 1;
	}
	char line[300];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = '\n';
	double start = now();
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%d.json", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, line, sizeof line) != (ssize_t)sizeof line) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	printf("%.1f\n", (now() - start) / n * 1e6);
	return 0;
}

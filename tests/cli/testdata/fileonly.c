/* Uses only files and a pipe: must leave no socket trace. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) return 2;
	int fd = open(argv[1], O_CREAT | O_WRONLY | O_TRUNC, 0644);
	write(fd, "data\n", 5);
	close(fd);
	int p[2];
	pipe(p);
	write(p[1], "x", 1);
	char c;
	read(p[0], &c, 1);
	printf("wrote %s\n", argv[1]);
	return 0;
}

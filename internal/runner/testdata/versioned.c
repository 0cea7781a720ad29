/* Prints a version for --version (and mentions the flag, as real programs'
 * help texts do); otherwise it does its "real work": it creates the file
 * named by $MARKER, so a test can tell whether it ran for real. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		if (getenv("HANG_ON_VERSION")) pause();
		printf("versioned 1.2.3\nsecond line\n");
		return 0;
	}
	const char *m = getenv("MARKER");
	if (m) fclose(fopen(m, "w"));
	return 0;
}

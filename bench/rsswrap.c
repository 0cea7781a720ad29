/* rsswrap OUTFILE PROG [ARG...]: runs PROG and writes the peak RSS (KiB) of
 * PROG and the descendants it waited for, and PROG's own run time in seconds
 * (fork to exit: without the tracer's start-up and its work after the
 * program ends), to OUTFILE; exits with PROG's status.
 *
 * The benchmark puts it right above the workload (below the tcpsnitch CLI or
 * strace), so the RSS measured is the traced program's, not the tracer's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("rsswrap 1\n"); /* tcpsnitch's meta/app_version probe */
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: rsswrap OUTFILE PROG [ARG...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("rsswrap: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rsswrap: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("rsswrap: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	FILE *f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%ld %.3f\n", ru.ru_maxrss, secs) < 0 || fclose(f) != 0) {
		fprintf(stderr, "rsswrap: cannot write %s\n", argv[1]);
		return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

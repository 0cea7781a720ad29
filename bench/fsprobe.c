/* What writing trace files costs on the file system the traces go to.
 *
 * fsprobe DIR N: creates DIR, then N files of 300 bytes in it (open, write,
 * close: what the shim does for each socket's N.json) and prints the mean
 * wall time per file in microseconds.
 *
 * fsprobe --replay TRACE DEST: writes again, into the new directory DEST,
 * every file of TRACE's process directories (TRACE/<proc>/<file>; meta/ is
 * left out) with the same names and sizes, and prints "SECONDS FILES". This
 * is the floor of the trace format on this file system: what any tracer
 * writing one file per socket pays, with no tracing at all. The list is read
 * before the clock starts.
 *
 * Files are left in place: deleting them right away would make the next
 * files created nearby dearer on ext4 without a journal (its allocator steps
 * over recently deleted inodes one by one). */
#include <dirent.h>
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

static char filler[64 * 1024]; /* the shim writes big files in 64 KiB pieces */

/* Creates path (it must not exist) holding size bytes. */
static int write_file(const char *path, long long size) {
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	while (size > 0) {
		size_t n = size < (long long)sizeof filler ? (size_t)size : sizeof filler;
		ssize_t w = write(fd, filler, n);
		if (w <= 0) {
			perror(path);
			close(fd);
			return -1;
		}
		size -= w;
	}
	close(fd);
	return 0;
}

static int probe(const char *dir, int n) {
	if (mkdir(dir, 0755) != 0) {
		perror(dir);
		return 1;
	}
	double start = now();
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%d.json", dir, i);
		if (write_file(path, 300) != 0) return 1;
	}
	printf("%.1f\n", (now() - start) / n * 1e6);
	return 0;
}

struct entry {
	char path[600]; /* relative to TRACE: "<proc>/<file>", or "<proc>" for a directory */
	long long size; /* -1 for a directory */
};

static struct entry *entries;
static size_t n_entries, cap_entries;

static int add(const char *path, long long size) {
	if (n_entries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 1024;
		entries = realloc(entries, cap_entries * sizeof *entries);
		if (!entries) {
			perror("realloc");
			return -1;
		}
	}
	struct entry *e = &entries[n_entries++];
	snprintf(e->path, sizeof e->path, "%s", path);
	e->size = size;
	return 0;
}

/* Directories before their files, files in socket order (9.json before
 * 10.json): the order the shim creates them in, roughly. */
static int by_path(const void *a, const void *b) {
	const struct entry *x = a, *y = b;
	return strverscmp(x->path, y->path);
}

/* Lists TRACE's process directories and their regular files, sorted. */
static int list_trace(const char *trace) {
	DIR *top = opendir(trace);
	if (!top) {
		perror(trace);
		return -1;
	}
	struct dirent *p;
	while ((p = readdir(top))) {
		char dir[4096];
		struct stat st;
		snprintf(dir, sizeof dir, "%s/%s", trace, p->d_name);
		if (p->d_name[0] == '.' || !strcmp(p->d_name, "meta") || stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (add(p->d_name, -1)) return -1;
		DIR *d = opendir(dir);
		if (!d) {
			perror(dir);
			return -1;
		}
		struct dirent *f;
		while ((f = readdir(d))) {
			char path[8192], rel[600];
			snprintf(path, sizeof path, "%s/%s", dir, f->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode)) continue;
			snprintf(rel, sizeof rel, "%s/%s", p->d_name, f->d_name);
			if (add(rel, (long long)st.st_size)) return -1;
		}
		closedir(d);
	}
	closedir(top);
	return 0;
}

static int replay(const char *trace, const char *dest) {
	if (list_trace(trace)) return 1;
	qsort(entries, n_entries, sizeof *entries, by_path);
	long files = 0;
	double start = now();
	if (mkdir(dest, 0755) != 0) {
		perror(dest);
		return 1;
	}
	for (size_t i = 0; i < n_entries; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dest, entries[i].path);
		if (entries[i].size < 0) {
			if (mkdir(path, 0755) != 0) {
				perror(path);
				return 1;
			}
		} else {
			if (write_file(path, entries[i].size)) return 1;
			files++;
		}
	}
	printf("%.3f %ld\n", now() - start, files);
	return 0;
}

int main(int argc, char **argv) {
	memset(filler, 'x', sizeof filler);
	if (argc == 4 && !strcmp(argv[1], "--replay")) return replay(argv[2], argv[3]);
	if (argc == 3 && atoi(argv[2]) > 0) return probe(argv[1], atoi(argv[2]));
	fprintf(stderr, "usage: fsprobe DIR N | fsprobe --replay TRACE DEST\n");
	return 2;
}

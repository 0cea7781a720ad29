#include "sockstream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "real.h"

#ifdef __GLIBC__

struct sockstream {
	struct sockstream *next;
	FILE *f;
	int fd;
	bool in_fclose; /* closed by the fclose hook, which records the close */
	char *buf;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sockstream *streams;

bool sockstream_supported(void) { return true; }

/* Through the hooks: recorded as the program's read and write. */
static ssize_t ss_read(void *c, char *buf, size_t n) {
	return read(((struct sockstream *)c)->fd, buf, n);
}

/* As glibc's own file streams write: until all is written or a call fails;
 * what was written is returned (0 if the first call failed, errno kept). */
static ssize_t ss_write(void *c, const char *buf, size_t n) {
	struct sockstream *s = c;
	size_t done = 0;
	while (done < n) {
		ssize_t k = write(s->fd, buf + done, n - done);
		if (k < 0) break;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

/* lseek answers as for glibc's stream (ESPIPE on a socket). */
static int ss_seek(void *c, off64_t *pos, int whence) {
	off64_t r = lseek64(((struct sockstream *)c)->fd, *pos, whence);
	if (r < 0) return -1;
	*pos = r;
	return 0;
}

static void unlink_stream(struct sockstream *s) {
	pthread_mutex_lock(&lock);
	for (struct sockstream **p = &streams; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	pthread_mutex_unlock(&lock);
}

static int ss_close(void *c) {
	struct sockstream *s = c;
	unlink_stream(s);
	/* Inside the fclose hook the close is its to record; any other
	 * close of the stream (freopen) goes through the close hook. */
	int ret = s->in_fclose ? REAL(close)(s->fd) : close(s->fd);
	int err = errno;
	free(s->buf);
	free(s);
	errno = err;
	return ret;
}

/* fdopen's checks (glibc's libio/iofdopen.c): the mode's first letter, a
 * '+' among the next four, the fd's access mode, O_APPEND set for 'a'.
 * Returns fopencookie's mode, or NULL (errno set). */
static const char *checked_mode(int fd, const char *mode) {
	bool rd, wr, append = false;
	switch (mode ? *mode : 0) {
	case 'r': rd = true, wr = false; break;
	case 'w': rd = false, wr = true; break;
	case 'a': rd = false, wr = true, append = true; break;
	default: errno = EINVAL; return NULL;
	}
	for (int i = 1; i < 5 && mode[i]; i++)
		if (mode[i] == '+') {
			rd = wr = true;
			break;
		}
	int fl = REAL(fcntl)(fd, F_GETFL);
	if (fl == -1) return NULL;
	if (((fl & O_ACCMODE) == O_RDONLY && wr) || ((fl & O_ACCMODE) == O_WRONLY && rd)) {
		errno = EINVAL;
		return NULL;
	}
	if (append && !(fl & O_APPEND) && REAL(fcntl)(fd, F_SETFL, fl | O_APPEND) == -1) return NULL;
	if (rd && wr) return *mode == 'r' ? "r+" : *mode == 'w' ? "w+" : "a+";
	return *mode == 'r' ? "r" : *mode == 'w' ? "w" : "a";
}

FILE *sockstream_open(int fd, const char *mode) {
	int saved = errno; /* fdopen leaves it alone when it succeeds */
	const char *m = checked_mode(fd, mode);
	if (!m) return NULL;
	/* glibc's buffer for an fd: st_blksize when below BUFSIZ (a socket:
	 * a page), which sets the size of each write the kernel sees. */
	struct stat st;
	size_t size = BUFSIZ;
	if (fstat(fd, &st) == 0 && st.st_blksize > 0 && (size_t)st.st_blksize < BUFSIZ) size = (size_t)st.st_blksize;
	struct sockstream *s = calloc(1, sizeof *s);
	char *buf = malloc(size);
	FILE *f = s && buf ? fopencookie(s, m, (cookie_io_functions_t){ss_read, ss_write, ss_seek, ss_close}) : NULL;
	if (!f) {
		int err = s && buf ? errno : ENOMEM;
		free(buf);
		free(s);
		errno = err;
		return NULL;
	}
	s->f = f;
	s->fd = fd;
	s->buf = buf;
	f->_fileno = fd; /* fileno(); glibc marks cookie streams -2 */
	setvbuf(f, buf, _IOFBF, size);
	pthread_mutex_lock(&lock);
	s->next = streams;
	streams = s;
	pthread_mutex_unlock(&lock);
	errno = saved;
	return f;
}

static struct sockstream *find(FILE *f) {
	if (!__atomic_load_n(&streams, __ATOMIC_RELAXED)) return NULL;
	pthread_mutex_lock(&lock);
	struct sockstream *s = streams;
	while (s && s->f != f) s = s->next;
	pthread_mutex_unlock(&lock);
	return s;
}

bool sockstream_is(FILE *f) { return find(f) != NULL; }

bool sockstream_before_fclose(FILE *f, int *flush_errno) {
	struct sockstream *s = find(f);
	if (!s) return true;
	s->in_fclose = true;
	/* Written now, while the fd is still the socket's: the close hook
	 * forgets it before fclose's own flush would run. */
	int saved = errno;
	bool ok = fflush(f) == 0;
	*flush_errno = errno;
	errno = saved;
	return ok;
}

void sockstream_flush_all(void) {
	pthread_mutex_lock(&lock);
	for (struct sockstream *s = streams; s; s = s->next) fflush_unlocked(s->f);
	pthread_mutex_unlock(&lock);
}

void sockstream_reset_after_fork(void) { pthread_mutex_init(&lock, NULL); }

#else /* bionic: no fopencookie; such streams are warned about */

bool sockstream_supported(void) { return false; }
FILE *sockstream_open(int fd, const char *mode) { return REAL(fdopen)(fd, mode); }
bool sockstream_is(FILE *f) { (void)f; return false; }
bool sockstream_before_fclose(FILE *f, int *flush_errno) {
	(void)f, (void)flush_errno;
	return true;
}
void sockstream_flush_all(void) {}
void sockstream_reset_after_fork(void) {}

#endif

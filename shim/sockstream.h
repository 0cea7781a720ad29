/* stdio streams on internet sockets (fdopen). A glibc FILE reads and
 * writes its fd through libc's internal calls, which no hook sees: what a
 * program moved with fprintf, fputs, fgets or fread on a socket was missing
 * from its trace. On glibc, fdopen of a traced socket returns a stream made
 * with fopencookie instead, whose reads and writes are the hooked read and
 * write (recorded as such, as the kernel sees them), and which behaves as
 * glibc's own would: the same fd (fileno), the same buffer size
 * (st_blksize), the same mode checks and fd flags, seeks answered by lseek,
 * the close by close. Not the same: wide-character I/O (fwprintf) on such
 * a stream fails (a fopencookie stream has no wide side). A socket that is
 * stdin, stdout or stderr keeps glibc's stream: those are warned about. */
#ifndef TCPSNITCH_SOCKSTREAM_H
#define TCPSNITCH_SOCKSTREAM_H

#include <stdbool.h>
#include <stdio.h>

/* Whether this libc lets the shim make such streams (glibc). */
bool sockstream_supported(void);
/* fdopen(fd, mode) of a traced socket: the stream, or NULL with errno as
 * fdopen would set it. */
FILE *sockstream_open(int fd, const char *mode);
/* Whether f is such a stream. */
bool sockstream_is(FILE *f);
/* Before fclose(f) of such a stream: writes what it holds buffered while
 * its fd is still the socket's (the close hook forgets the fd before
 * fclose's own flush); false, *flush_errno set, if that failed (fclose
 * must then fail as it would have). True for any other stream. */
bool sockstream_before_fclose(FILE *f, int *flush_errno);
/* Writes what the shim's streams hold buffered, as exit would after the
 * shim's last flush (without their locks, as exit does). */
void sockstream_flush_all(void);
/* In a fork child: the list's lock is fresh. */
void sockstream_reset_after_fork(void);

#endif

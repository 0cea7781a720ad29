/* A process that confines itself keeps its trace. OpenSSH's pre-auth child
 * (the one that speaks to the network) chroots to /run/sshd, then sets
 * RLIMIT_FSIZE to 0 (any write to a regular file then fails with EFBIG and
 * raises SIGXFSZ, which kills), RLIMIT_NOFILE to 1 and installs a seccomp
 * filter that denies open and kills on most other calls. Traced as it was,
 * the shim's exit flush wrote its error message to sshd's log file and the
 * child died of SIGXFSZ: the login failed.
 *
 * - chroot: before the real call, the trace directory is opened (an fd of
 *   the shim's own), and later opens and mkdirs of trace files go through
 *   it (sandbox_open, sandbox_mkdir).
 * - Every write of the shim to a regular file (trace files, stderr) is
 *   checked against the file size limit the process has (inherited, or
 *   set through the hooks below) and skipped if it would pass it.
 * - RLIMIT_FSIZE lowered below SANDBOX_TAIL (setrlimit, setrlimit64,
 *   prlimit, prlimit64 on this process): before the real call, what is recorded is written, and
 *   the spool gets a tail of SANDBOX_TAIL bytes mapped into memory (the
 *   file is extended while it still may be; stores through a mapping are
 *   not writes, the limit does not apply). From then on the writer copies
 *   its records there (no system call, so a seccomp filter cannot object)
 *   and the shim writes no other file (logs.txt, dns.json, stderr, -v):
 *   those writes would kill the process; the log lines go into the tail
 *   too, as its last record (spool.h). The unused end of the tail stays
 *   zero bytes, which the spool's reader takes as its end. Events that do
 *   not fit are counted as dropped, in the summary line kept there. */
#ifndef TCPSNITCH_SANDBOX_H
#define TCPSNITCH_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#define SANDBOX_TAIL (32u << 20)

/* At start: the file size limit the process inherited. */
void sandbox_init(void);
/* Whether n more bytes written to fd stay within the file size limit (a
 * write past it raises SIGXFSZ, which kills): true for anything that is
 * not a regular file, or without a limit (then no system call). */
bool sandbox_write_fits(int fd, size_t n);
/* The program lowered RLIMIT_FSIZE: the shim must not write files. */
bool sandbox_files_limited(void);
/* open(path) for a path in the trace directory, through the directory's
 * fd once the process has chrooted. */
int sandbox_open(const char *path, int flags, int mode);
/* mkdir(path) the same way. */
int sandbox_mkdir(const char *path, int mode);
/* Copies n bytes of whole spool records into the mapped tail, when files
 * are limited (true: taken, or dropped and counted if the tail is full or
 * missing). */
bool sandbox_spool_take(const char *p, size_t n);
/* A line of logs.txt, when files are limited (true): kept in the spool's
 * note record (spool.h), as much as its room holds. */
bool sandbox_log_take(const char *line, size_t n);
/* A fork child: the mapped tail is its parent's spool, not its own. */
void sandbox_reset_after_fork(void);

#endif

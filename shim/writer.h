/* The cold path: a writer thread turns buffered events into JSON lines
 * (event_json.c) in <trace dir>/<app>_NNN/N.json every -t ms, when buffers
 * fill up, and at exit, exec and fatal signals. */
#ifndef TCPSNITCH_WRITER_H
#define TCPSNITCH_WRITER_H

#include <pthread.h>

#include "shim.h"

void writer_ensure_started(void);
/* Wakes the writer now (async-signal-safe). */
void writer_kick(void);
/* Blocks the calling thread until the writer has drained the buffers below
 * the memory bound. */
void writer_wait_drain(void);
/* Writes everything recorded so far, in the calling thread. final: also
 * when a socket lock cannot be taken (the holder may never run again). */
void writer_flush_all(bool final);
/* Asks the writer thread to flush and waits up to timeout_ms for it
 * (async-signal-safe: used from fatal-signal handlers). */
void writer_flush_from_signal(int timeout_ms);
void writer_count_dropped(long n);
/* n events formatted by a pass that could not reach the spool: dropped. */
void writer_count_unwritten(long n);
/* Writes the summary line to logs.txt (at exit). */
void writer_summary(void);
void writer_reset_after_fork(void);
/* fork: no writer pass (its text buffer, its chunks) and no process
 * directory creation under way in prepare (two steps, for the lock order:
 * the pass, then the directory); released together in the parent. */
void writer_prepare_fork(void);
/* Holds off writer passes (sandbox.c switches where they write). */
void writer_lock_pass(void);
void writer_unlock_pass(void);
void writer_prepare_fork_procdir(void);
void writer_parent_after_fork(void);
/* Takes m, retrying for up to max_ms: for callers that may run while the
 * holder is frozen (a signal handler that interrupted it, a fatal signal). */
bool lock_bounded(pthread_mutex_t *m, int max_ms);
/* write() until all n bytes are out, through EINTR and short writes. */
bool write_all(int fd, const char *p, size_t n);
/* <trace dir>/<app>_NNN, created on first use; NULL if it cannot be. */
const char *procdir_get(void);
/* The same once made, else NULL (never creates it). */
const char *procdir_if_made(void);

#endif

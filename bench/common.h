/* Shared helpers for the benchmark workloads (bench/README.md).
 *
 * Every workload counts each libc call it makes on an internet socket (the
 * calls tcpsnitch intercepts and must record exactly once) in a counter that
 * lives in shared memory, so the calls of a forked server and of threads add
 * up in one place. main() prints the total as "bench: calls=N".
 *
 * No internet socket ever crosses a fork: the server child creates its own
 * listening socket and hands its port to the parent over a pipe, so the trace
 * holds no forked_socket pseudo events and events recorded = calls made. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <sys/types.h>

/* Count one intercepted call: BENCH_CALL(ret = recv(...)) */
#define BENCH_CALL(expr) (bench_count(1), (expr))

void bench_count(long n);

/* Parses argv: "--version" (the tcpsnitch CLI runs `<cmd> --version` to fill
 * meta/app_version) prints a version and exits; an optional positive integer
 * replaces default_size. Bad input exits non-zero with one line. */
long bench_init(int argc, char **argv, long default_size);

/* Prints "bench: calls=N" on stdout. */
void bench_report(void);

void bench_die(const char *what) __attribute__((noreturn));

/* socket+bind(127.0.0.1:0)+getsockname (+listen for SOCK_STREAM). */
int bench_listen(int type, int *port);

/* socket+connect to 127.0.0.1:port. */
int bench_connect(int type, int port);

/* Forks a child that runs server(arg, report_port) and exits; the child calls
 * report_port() once its socket is bound. Returns the port and the pid. */
typedef void (*bench_server_fn)(void *arg);
int bench_fork_server(bench_server_fn server, void *arg, pid_t *pid);
void bench_server_ready(int port);

/* Waits for the child and fails if it did not exit 0. */
void bench_wait(pid_t pid);

/* Loops until len bytes are moved (each send/recv is one counted call). */
void bench_send_all(int fd, const void *buf, size_t len);
void bench_recv_all(int fd, void *buf, size_t len);

/* One counted close. */
void bench_close(int fd);

#endif

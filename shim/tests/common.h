/* Helpers shared by the shim's test programs (one tiny program per call or
 * scenario). Each program prints one line per call under test on stdout:
 *     call <name> <return value> <errno name, or "-" if errno was untouched>
 * The Go tests (tests/shim) compare these lines with the trace. Before each
 * call errno is set to a sentinel, so "-" after a successful call also proves
 * the shim left errno alone. Output goes through dprintf(1) (no stdio buffer
 * to lose on _exit or duplicate on fork). */
#ifndef TCPSNITCH_TEST_COMMON_H
#define TCPSNITCH_TEST_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ERRNO_SENTINEL 4242

static inline void die(const char *what) {
        dprintf(2, "test program: %s failed: %s\n", what, strerror(errno));
        exit(99);
}

/* Setup steps that must succeed for the scenario to make sense. */
#define CHECK(expr)                             \
        do {                                    \
                if ((long)(expr) < 0) die(#expr); \
        } while (0)

static inline void report(const char *name, long ret, int err) {
        const char *en = "-";
        if (err != ERRNO_SENTINEL) {
                en = strerrorname_np(err);
                if (!en) en = "UNKNOWN";
        }
        dprintf(1, "call %s %ld %s\n", name, ret, en);
}

/* CALL("send", send(fd, ...)): run, report, keep errno for the caller. */
#define CALL(name, expr)                            \
        ({                                          \
                errno = ERRNO_SENTINEL;             \
                long _r = (long)(expr);             \
                int _e = errno;                     \
                report(name, _r, _e);               \
                errno = _e;                         \
                _r;                                 \
        })

/* Other facts the Go test needs (ports, fds, counts): "key value". */
static inline void fact(const char *key, long v) { dprintf(1, "%s %ld\n", key, v); }

static inline int family_of(const char *s) {
        return (s && strcmp(s, "6") == 0) ? AF_INET6 : AF_INET;
}

/* Loopback address of a family with a port. */
static inline socklen_t loopback(int family, int port, struct sockaddr_storage *ss) {
        memset(ss, 0, sizeof(*ss));
        if (family == AF_INET6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
                a->sin6_family = AF_INET6;
                a->sin6_addr = in6addr_loopback;
                a->sin6_port = htons(port);
                return sizeof(*a);
        }
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->sin_port = htons(port);
        return sizeof(*a);
}

static inline int port_of(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        CHECK(getsockname(fd, (struct sockaddr *)&ss, &len));
        if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A socket bound to loopback on a free port (type SOCK_STREAM/SOCK_DGRAM). */
static inline int bound_socket(int family, int type, int *port) {
        struct sockaddr_storage ss;
        int fd = socket(family, type, 0);
        CHECK(fd);
        CHECK(bind(fd, (struct sockaddr *)&ss, loopback(family, 0, &ss)));
        *port = port_of(fd);
        return fd;
}

/* Connected TCP pair: sockets 0 (listener), 1 (client), 2 (accepted). */
static inline void tcp_pair(int family, int *lfd, int *cfd, int *sfd) {
        int port;
        struct sockaddr_storage ss;
        *lfd = bound_socket(family, SOCK_STREAM, &port);
        CHECK(listen(*lfd, 8));
        *cfd = socket(family, SOCK_STREAM, 0);
        CHECK(*cfd);
        CHECK(connect(*cfd, (struct sockaddr *)&ss, loopback(family, port, &ss)));
        *sfd = accept(*lfd, NULL, NULL);
        CHECK(*sfd);
        fact("listen_port", port);
        fact("client_port", port_of(*cfd));
}

/* Two UDP sockets on loopback, each connected to the other: sockets 0, 1. */
static inline void udp_pair(int family, int *a, int *b) {
        int pa, pb;
        struct sockaddr_storage ss;
        *a = bound_socket(family, SOCK_DGRAM, &pa);
        *b = bound_socket(family, SOCK_DGRAM, &pb);
        CHECK(connect(*a, (struct sockaddr *)&ss, loopback(family, pb, &ss)));
        CHECK(connect(*b, (struct sockaddr *)&ss, loopback(family, pa, &ss)));
        fact("port_a", pa);
        fact("port_b", pb);
}

/* A loopback port with nothing listening (bound then closed: socket 0). */
static inline int closed_port(int family) {
        int port;
        int fd = bound_socket(family, SOCK_STREAM, &port);
        close(fd);
        return port;
}

static inline int mode_is(int argc, char **argv, const char *m) {
        return argc > 1 && strcmp(argv[1], m) == 0;
}

#endif

/* The epoll map under churn: close | mod
 * close: 10 000 sockets, each registered then closed without EPOLL_CTL_DEL
 *   (as servers do), each on a number of its own; then a socket on a number
 *   whose registration died with its close, and an epoll instance on the
 *   number of a closed one, both with a pipe registered under the dead
 *   registration's data: neither may be credited with the pipe's events.
 * mod: 10 live sockets, 200 000 EPOLL_CTL_MOD with new data each time, then
 *   one datagram each: one epoll_wait event per socket. */
#include "common.h"
#include <sys/epoll.h>
#include <sys/resource.h>

#define NCLOSE 10000
#define BASE 100
#define NLIVE 10
#define NMOD 200000

static int nsock; /* sockets created so far: the next one's trace index */

static int udp_socket(int *port) {
        int p;
        int fd = bound_socket(AF_INET, SOCK_DGRAM, &p);
        nsock++;
        if (port) *port = p;
        return fd;
}

static void send_self(int fd, int port) {
        struct sockaddr_storage ss;
        CHECK(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, port, &ss)));
}

/* Registers a pipe under data, makes it readable and waits: the only ready
 * entry is the pipe. */
static void pipe_wait(int ep, uint64_t data) {
        int p[2];
        CHECK(pipe(p));
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = data}, out[4];
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
        CHECK(write(p[1], "x", 1));
        int n = epoll_wait(ep, out, 4, 1000);
        if (n != 1 || out[0].data.u64 != data) die("pipe epoll_wait");
        close(p[0]); /* leaves the epoll set with it */
        close(p[1]);
}

int main(int argc, char **argv) {
        int ep = epoll_create1(0);
        CHECK(ep);
        if (mode_is(argc, argv, "close")) {
                struct rlimit rl;
                CHECK(getrlimit(RLIMIT_NOFILE, &rl));
                if (rl.rlim_max < BASE + NCLOSE + 64) {
                        dprintf(2, "test program: RLIMIT_NOFILE hard limit %lu < %d\n", (unsigned long)rl.rlim_max,
                                BASE + NCLOSE + 64);
                        return 98;
                }
                rl.rlim_cur = BASE + NCLOSE + 64;
                CHECK(setrlimit(RLIMIT_NOFILE, &rl));
                for (int i = 0; i < NCLOSE; i++) {
                        int s = socket(AF_INET, SOCK_DGRAM, 0);
                        CHECK(s);
                        nsock++;
                        CHECK(dup2(s, BASE + i));
                        CHECK(close(s));
                        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1000000 + i};
                        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, BASE + i, &ev));
                        CHECK(close(BASE + i));
                }
                /* A socket on the first number, never registered. */
                int b = udp_socket(NULL);
                CHECK(dup2(b, BASE));
                fact("reused_sock", nsock - 1);
                pipe_wait(ep, 1000000);
                /* A live registered socket: its event is its own. */
                int port, c = udp_socket(&port);
                fact("live_sock", nsock - 1);
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 2000000}, out[4];
                CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
                send_self(c, port);
                if (epoll_wait(ep, out, 4, 1000) != 1) die("live epoll_wait");
                CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL));
                /* The epoll instance dies with a socket still registered; a
                 * new one takes its number. */
                ev.data.u64 = 3000000;
                CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
                CHECK(close(ep));
                int ep2 = epoll_create1(0);
                CHECK(ep2);
                fact("same_epfd", ep2 == ep);
                pipe_wait(ep2, 3000000);
                return 0;
        }
        int fds[NLIVE], ports[NLIVE];
        for (int i = 0; i < NLIVE; i++) {
                fds[i] = udp_socket(&ports[i]);
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
                CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev));
        }
        uint64_t last[NLIVE];
        for (int k = 0; k < NMOD; k++) {
                int i = k % NLIVE;
                struct epoll_event ev = {.events = k & 1 ? EPOLLIN | EPOLLRDHUP : EPOLLIN,
                                         .data.u64 = ((uint64_t)k << 8) | (uint64_t)i};
                CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev));
                last[i] = ev.data.u64;
        }
        for (int i = 0; i < NLIVE; i++) send_self(fds[i], ports[i]);
        struct epoll_event out[NLIVE * 2];
        int got = 0;
        while (got < NLIVE) {
                int n = epoll_wait(ep, out, NLIVE * 2, 1000);
                if (n <= 0) die("epoll_wait");
                for (int j = 0; j < n; j++) {
                        int i = (int)(out[j].data.u64 & 0xff);
                        if (out[j].data.u64 != last[i]) die("epoll data");
                        /* Drained, so it is reported once. */
                        char c;
                        CHECK(recv(fds[i], &c, 1, 0));
                }
                got += n;
                fact("waited", n);
        }
        return 0;
}

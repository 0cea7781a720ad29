/* duration_nsec: a poll that times out after 300 ms and a send, each timed
 * by the program itself around the call (same clock as the shim's). The
 * shim's duration must lie inside the program's, and the poll's must be at
 * least its timeout. Sockets: udp_pair (0, 1). */
#define _GNU_SOURCE
#include "common.h"
#include <poll.h>
#include <time.h>

static long now_ns(void) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(void) {
        int a, b;
        udp_pair(AF_INET, &a, &b);
        struct pollfd p = {b, POLLIN, 0};
        long t0 = now_ns();
        CALL("poll", poll(&p, 1, 300));
        fact("poll_outer_ns", now_ns() - t0);
        t0 = now_ns();
        CALL("send", send(a, "hello", 5, 0));
        fact("send_outer_ns", now_ns() - t0);
        return 0;
}

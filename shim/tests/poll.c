/* poll()/ppoll()/select()/pselect(): stream | dgram | fail */
#define _GNU_SOURCE
#include "common.h"
#include <poll.h>
#include <sys/select.h>

int main(int argc, char **argv) {
        int l, a, b;
        if (mode_is(argc, argv, "fail")) {
                /* poll on a socket that is not ready: timeout, returns 0. */
                a = socket(AF_INET, SOCK_DGRAM, 0);
                struct pollfd p = {a, POLLIN, 0};
                CALL("poll", poll(&p, 1, 1));
                volatile nfds_t huge = (nfds_t)-1;
                CALL("poll", poll(&p, huge, 0)); /* EINVAL, nothing read */
                return 0;
        }
        if (mode_is(argc, argv, "stream")) tcp_pair(AF_INET, &l, &a, &b); /* 1, 2 */
        else udp_pair(AF_INET, &a, &b);                                     /* 0, 1 */
        CHECK(send(a, "x", 1, 0));
        struct pollfd p[2] = {{b, POLLIN, 0}, {a, POLLIN | POLLOUT, 0}};
        CALL("poll", poll(p, 2, 250));
        struct timespec ts = {2, 5000};
        CALL("ppoll", ppoll(p, 2, &ts, NULL));
        fd_set r, w;
        FD_ZERO(&r);
        FD_ZERO(&w);
        FD_SET(b, &r);
        FD_SET(a, &w);
        struct timeval tv = {3, 7};
        int nfds = (a > b ? a : b) + 1;
        CALL("select", select(nfds, &r, &w, NULL, &tv));
        FD_ZERO(&r);
        FD_ZERO(&w);
        FD_SET(b, &r);
        FD_SET(a, &w);
        struct timespec pts = {4, 9};
        CALL("pselect", pselect(nfds, &r, &w, NULL, &pts, NULL));
        return 0;
}

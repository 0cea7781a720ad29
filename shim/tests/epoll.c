/* epoll_ctl()/epoll_wait()/epoll_pwait(): stream | dgram | fail */
#include "common.h"
#include <sys/epoll.h>

int main(int argc, char **argv) {
        int l, a, b;
        int ep = epoll_create1(0);
        CHECK(ep);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = 0}, out[4];
        if (mode_is(argc, argv, "fail")) {
                a = socket(AF_INET, SOCK_DGRAM, 0);
                ev.data.fd = a;
                CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
                CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev)); /* EEXIST */
                CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_MOD, a, NULL)); /* EFAULT */
                return 0;
        }
        if (mode_is(argc, argv, "stream")) tcp_pair(AF_INET, &l, &a, &b); /* 1, 2 */
        else udp_pair(AF_INET, &a, &b);                                     /* 0, 1 */
        ev.data.fd = b;
        CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev));
        ev.events = EPOLLIN | EPOLLOUT;
        CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_MOD, b, &ev));
        CHECK(send(a, "x", 1, 0));
        CALL("epoll_wait", epoll_wait(ep, out, 4, 1000));
        CALL("epoll_pwait", epoll_pwait(ep, out, 4, 1000, NULL));
        /* NULL event with DEL is allowed since Linux 2.6.9; the original
         * tcpsnitch crashed here. */
        CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_DEL, b, NULL));
        return 0;
}

/* Calls given unreadable pointers fail with EFAULT: the shim records them
 * without reading those pointers (the program must not crash). Sockets 0
 * and 1 (a UDP pair), 2 (unconnected). */
#include "common.h"
#include <sys/epoll.h>
#include <sys/uio.h>

#define BAD ((void *)16)

int main(void) {
        int a, b;
        udp_pair(AF_INET, &a, &b);
        int c = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(c);
        CALL("writev", writev(a, BAD, 2));
        CALL("sendto", sendto(a, "x", 1, 0, BAD, sizeof(struct sockaddr_in)));
        CALL("connect", connect(c, BAD, sizeof(struct sockaddr_in)));
        char buf[8];
        CALL("getsockopt", getsockopt(a, SOL_SOCKET, SO_TYPE, buf, BAD));
        int ep = epoll_create1(0);
        CHECK(ep);
        CALL("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, a, BAD));
        return 0;
}

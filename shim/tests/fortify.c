/* Built with -O2 -D_FORTIFY_SOURCE=2: the buffer-size-checked entry points
 * (__recv_chk, __recvfrom_chk, __read_chk, __poll_chk, __ppoll_chk) are
 * called instead of the plain ones, as real distribution binaries do.
 * argv[1] is a length the compiler cannot see, which forces the _chk call. */
#include "common.h"
#include <poll.h>

int main(int argc, char **argv) {
        volatile int n = argc > 1 ? atoi(argv[1]) : 8;
        int a, b;
        char buf[64];
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        struct pollfd p = {b, POLLIN, 0};
        struct timespec ts = {1, 0};
        CHECK(send(a, "hello", 5, 0));
        CALL("poll", poll(&p, n / 8, 1000));
        CALL("ppoll", ppoll(&p, n / 8, &ts, NULL));
        CALL("recv", recv(b, buf, n, 0));
        CHECK(send(a, "hello", 5, 0));
        CALL("recvfrom", recvfrom(b, buf, n, 0, NULL, NULL));
        CHECK(send(a, "hello", 5, 0));
        CALL("read", read(b, buf, n));
        return 0;
}

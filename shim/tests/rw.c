/* write()/read()/writev()/readv(): stream | dgram | fail */
#include "common.h"
#include <fcntl.h>
#include <sys/uio.h>

int main(int argc, char **argv) {
        int l, a, b;
        char buf[50], b1[4], b2[40];
        struct iovec oiov[2] = {{"ab", 2}, {"cde", 3}};
        struct iovec iiov[2] = {{b1, sizeof(b1)}, {b2, sizeof(b2)}};
        if (mode_is(argc, argv, "stream") || mode_is(argc, argv, "dgram")) {
                int s = mode_is(argc, argv, "stream");
                if (s) tcp_pair(AF_INET, &l, &a, &b);
                else udp_pair(AF_INET, &a, &b);
                CALL("write", write(a, "hello", 5));
                CALL("read", read(b, buf, sizeof(buf)));
                CALL("writev", writev(a, oiov, 2));
                if (s) { char t[8]; CHECK(recv(b, t, 5, MSG_PEEK | MSG_WAITALL)); }
                CALL("readv", readv(b, iiov, 2));
        } else {
                a = socket(AF_INET, SOCK_DGRAM, 0);
                CALL("write", write(a, "x", 1));
                CHECK(fcntl(a, F_SETFL, O_NONBLOCK));
                CALL("read", read(a, buf, sizeof(buf)));
                CALL("writev", writev(a, oiov, 2));
                CALL("readv", readv(a, iiov, 2));
        }
        return 0;
}

/* close(): stream | dgram | fail (closed twice) */
#include "common.h"

int main(int argc, char **argv) {
        int l, a, b;
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(AF_INET, &l, &a, &b);
                CALL("close", close(a));
                CALL("close", close(b));
                CALL("close", close(l));
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(AF_INET, &a, &b);
                CALL("close", close(a));
                CALL("close", close(b));
        } else {
                a = socket(AF_INET, SOCK_STREAM, 0);
                CALL("close", close(a));
                CALL("close", close(a)); /* EBADF: not a socket any more, no event */
        }
        return 0;
}

/* listen(): stream | fail (datagram socket) */
#include "common.h"

int main(int argc, char **argv) {
        int port;
        int type = mode_is(argc, argv, "stream") ? SOCK_STREAM : SOCK_DGRAM;
        int fd = bound_socket(AF_INET, type, &port);
        CALL("listen", listen(fd, 7));
        return 0;
}

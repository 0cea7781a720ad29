/* getsockopt()/setsockopt(): stream | dgram | fail */
#include "common.h"

int main(int argc, char **argv) {
        int one = 1, val = 0;
        socklen_t len = sizeof(val);
        if (mode_is(argc, argv, "stream")) {
                int fd = socket(AF_INET, SOCK_STREAM, 0);
                CALL("setsockopt", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
                CALL("setsockopt", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
                CALL("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len));
                fact("optval", val);
        } else if (mode_is(argc, argv, "dgram")) {
                int fd = socket(AF_INET, SOCK_DGRAM, 0);
                CALL("setsockopt", setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
                CALL("getsockopt", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, &len));
                fact("optval", val);
        } else {
                int fd = socket(AF_INET, SOCK_STREAM, 0);
                CALL("setsockopt", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 0));
                CALL("getsockopt", getsockopt(fd, SOL_SOCKET, 9999, &val, &len));
        }
        return 0;
}

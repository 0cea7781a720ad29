/* bind(): stream | dgram | fail [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        struct sockaddr_storage ss;
        if (mode_is(argc, argv, "fail")) {
                int port;
                bound_socket(fam, SOCK_STREAM, &port); /* socket 0 holds the port */
                int fd = socket(fam, SOCK_STREAM, 0);  /* socket 1 */
                fact("port", port);
                CALL("bind", bind(fd, (struct sockaddr *)&ss, loopback(fam, port, &ss)));
                return 0;
        }
        int fd = socket(fam, mode_is(argc, argv, "dgram") ? SOCK_DGRAM : SOCK_STREAM, 0);
        CALL("bind", bind(fd, (struct sockaddr *)&ss, loopback(fam, 0, &ss)));
        fact("port", port_of(fd));
        return 0;
}

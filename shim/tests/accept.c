/* accept()/accept4(): accept | accept4 | fail (not listening) |
 * fail4 (bad flags) | dgram (not a stream socket) [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        struct sockaddr_storage ss, peer;
        socklen_t len = sizeof(peer);
        int port;
        if (mode_is(argc, argv, "fail")) {
                int fd = bound_socket(fam, SOCK_STREAM, &port);
                CALL("accept", accept(fd, (struct sockaddr *)&peer, &len));
                return 0;
        }
        if (mode_is(argc, argv, "dgram")) {
                int fd = bound_socket(fam, SOCK_DGRAM, &port);
                CALL("accept", accept(fd, (struct sockaddr *)&peer, &len));
                return 0;
        }
        int l = bound_socket(fam, SOCK_STREAM, &port); /* socket 0 */
        CHECK(listen(l, 1));
        int c = socket(fam, SOCK_STREAM, 0); /* socket 1 */
        CHECK(connect(c, (struct sockaddr *)&ss, loopback(fam, port, &ss)));
        fact("listen_port", port);
        fact("client_port", port_of(c));
        int s; /* socket 2 */
        if (mode_is(argc, argv, "accept"))
                s = CALL("accept", accept(l, (struct sockaddr *)&peer, &len));
        else if (mode_is(argc, argv, "accept4"))
                s = CALL("accept4", accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK));
        else
                s = CALL("accept4", accept4(l, (struct sockaddr *)&peer, &len, 0x7fff0000));
        /* The accepted socket is traced like any other. */
        if (s >= 0) CALL("send", send(s, "hi", 2, 0));
        return 0;
}

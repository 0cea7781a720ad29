/* connect(): stream | dgram | fail (refused) [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        struct sockaddr_storage ss;
        int port;
        if (mode_is(argc, argv, "stream")) {
                int l = bound_socket(fam, SOCK_STREAM, &port); /* socket 0 */
                CHECK(listen(l, 1));
                int fd = socket(fam, SOCK_STREAM, 0); /* socket 1 */
                CALL("connect", connect(fd, (struct sockaddr *)&ss, loopback(fam, port, &ss)));
        } else if (mode_is(argc, argv, "dgram")) {
                int peer = bound_socket(fam, SOCK_DGRAM, &port); /* socket 0 */
                int fd = socket(fam, SOCK_DGRAM, 0);            /* socket 1 */
                CALL("connect", connect(fd, (struct sockaddr *)&ss, loopback(fam, port, &ss)));
                (void)peer;
        } else {
                port = closed_port(fam); /* socket 0 */
                int fd = socket(fam, SOCK_STREAM, 0); /* socket 1 */
                CALL("connect", connect(fd, (struct sockaddr *)&ss, loopback(fam, port, &ss)));
        }
        fact("port", port);
        return 0;
}

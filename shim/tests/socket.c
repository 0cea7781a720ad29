/* socket(): stream | dgram | fail [family 4|6] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        if (mode_is(argc, argv, "stream")) {
                int fd = CALL("socket", socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0));
                close(fd);
        } else if (mode_is(argc, argv, "dgram")) {
                int fd = CALL("socket", socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP));
                close(fd);
        } else {
                /* UDP protocol on a stream socket: no socket, so no trace. */
                CALL("socket", socket(fam, SOCK_STREAM, IPPROTO_UDP));
        }
        return 0;
}

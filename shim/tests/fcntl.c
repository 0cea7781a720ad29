/* fcntl(): stream | dgram | fail. Compiled with -D_FILE_OFFSET_BITS=64 it
 * calls fcntl64 instead (the Go test checks which with nm). */
#include "common.h"
#include <fcntl.h>

int main(int argc, char **argv) {
        int type = mode_is(argc, argv, "dgram") ? SOCK_DGRAM : SOCK_STREAM;
        int fd = socket(AF_INET, type, 0);
        if (mode_is(argc, argv, "fail")) {
                CALL("fcntl", fcntl(fd, 0x7777));
                return 0;
        }
        CALL("fcntl", fcntl(fd, F_GETFL));
        CALL("fcntl", fcntl(fd, F_SETFL, O_NONBLOCK));
        CALL("fcntl", fcntl(fd, F_GETFD));
        CALL("fcntl", fcntl(fd, F_SETFD, FD_CLOEXEC));
        return 0;
}

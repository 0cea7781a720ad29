/* Target of exec/spawn tests: uses an inherited socket (argv[1], or -1) and
 * opens one of its own. */
#include "common.h"

int main(int argc, char **argv) {
        int fd = argc > 1 ? atoi(argv[1]) : -1;
        fact("execd_pid", getpid());
        if (fd >= 0) CALL("send", send(fd, "after", 5, 0));
        int u = CALL("socket", socket(AF_INET, SOCK_DGRAM, 0));
        struct sockaddr_storage ss;
        CALL("sendto", sendto(u, "x", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, 9, &ss)));
        return 0;
}

/* close_range()/closefrom(): every socket they close gets its close event,
 * and tracing goes on afterwards (the shim's own fds must survive or be
 * reopened). argv[1]: close_range | closefrom */
#include "common.h"
#include <linux/close_range.h>

int main(int argc, char **argv) {
        int l, a, b, u1, u2;
        tcp_pair(AF_INET, &l, &a, &b); /* 0, 1, 2 */
        udp_pair(AF_INET, &u1, &u2);   /* 3, 4 */
        int lowest = l;
        int fds[] = {a, b, u1, u2};
        for (int i = 0; i < 4; i++) if (fds[i] < lowest) lowest = fds[i];
        fact("lowest", lowest);
        if (mode_is(argc, argv, "closefrom")) {
                closefrom(lowest);
                report("closefrom", 0, ERRNO_SENTINEL);
        } else {
                CALL("close_range", close_range(lowest, ~0U, 0));
        }
        /* Tracing goes on: socket 5. */
        int s = CALL("socket", socket(AF_INET, SOCK_DGRAM, 0));
        struct sockaddr_storage ss;
        CALL("sendto", sendto(s, "x", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, 9, &ss)));
        return 0;
}

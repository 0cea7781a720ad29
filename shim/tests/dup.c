/* dup()/dup2()/dup3()/fcntl(F_DUPFD*): stream | dgram | fail.
 * Every copy refers to the same socket, so its events land in the same file. */
#include "common.h"
#include <fcntl.h>

int main(int argc, char **argv) {
        int l, a, b;
        if (mode_is(argc, argv, "fail")) {
                a = socket(AF_INET, SOCK_STREAM, 0);
                CALL("dup3", dup3(a, a, 0)); /* EINVAL */
                CALL("dup2", dup2(a, -1));   /* EBADF on the new fd */
                return 0;
        }
        if (mode_is(argc, argv, "stream")) tcp_pair(AF_INET, &l, &a, &b); /* a: socket 1 */
        else udp_pair(AF_INET, &a, &b);                                     /* a: socket 0 */
        int d1 = CALL("dup", dup(a));
        int d2 = CALL("dup2", dup2(a, 100));
        int d3 = CALL("dup3", dup3(a, 101, O_CLOEXEC));
        int d4 = CALL("fcntl", fcntl(a, F_DUPFD, 200));
        int d5 = CALL("fcntl", fcntl(a, F_DUPFD_CLOEXEC, 300));
        int fds[] = {d1, d2, d3, d4, d5};
        for (int i = 0; i < 5; i++) CALL("send", send(fds[i], "x", 1, 0));
        /* dup2 onto another socket's fd: b is closed implicitly and 102 now
         * names a; events on 102 belong to a's file. */
        CHECK(dup2(b, 102));
        CALL("dup2", dup2(a, 102));
        CALL("send", send(102, "y", 1, 0));
        for (int i = 0; i < 5; i++) CALL("close", close(fds[i]));
        CALL("close", close(102));
        CALL("send", send(a, "z", 1, 0)); /* still open: original fd */
        return 0;
}

/* A program that chroots (sshd's pre-auth child, daemons) to a directory
 * where the trace directory's path does not exist: its events, before and
 * after, still reach the trace (the shim opened the trace directory before
 * the chroot). Needs root. */
#include "common.h"

int main(int argc, char **argv) {
        if (argc < 2) return 2; /* the directory to chroot to */
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b); /* sockets 0, 1, 2 */
        CALL("send", send(a, "abc", 3, 0));
        CHECK(chroot(argv[1]));
        CHECK(chdir("/"));
        CALL("send", send(a, "defgh", 5, 0));
        char buf[16];
        int got = 0;
        while (got < 8) {
                int n = (int)recv(b, buf, sizeof buf, 0);
                CHECK(n);
                got += n;
        }
        fact("received", got);
        return 0;
}

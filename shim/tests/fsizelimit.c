/* A program that limits its own file size, as sshd's sandboxed child does
 * (setrlimit(RLIMIT_FSIZE, 0)): any write to a regular file then raises
 * SIGXFSZ, which kills. The shim must neither die of it nor lose the
 * events recorded before or after: they go to the spool's mapped tail.
 * "inherited N": sets a limit of 20 KiB and execs itself, which starts
 * with it as with a parent's `ulimit -f`, and makes N sends: the shim
 * writes what fits and does not die.
 * "flood N": under a limit of 0, N sends of one byte, each received:
 * more events than the mapped tail holds. Facts: sends, recvs. */
#include "common.h"
#include <sys/resource.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>

int main(int argc, char **argv) {
        int l, a, b, sends = 50;
        if (mode_is(argc, argv, "inherited") && argc == 3) {
                /* The limit, then the program again: it starts with it. */
                struct rlimit lim = {20480, 20480};
                CHECK(setrlimit(RLIMIT_FSIZE, &lim));
                execl("/proc/self/exe", argv[0], "inherited", argv[2], "exec", (char *)NULL);
                return 3;
        }
        tcp_pair(AF_INET, &l, &a, &b); /* sockets 0, 1, 2 */
        if (mode_is(argc, argv, "flood") && argc == 3) {
                struct rlimit zero = {0, 0};
                CHECK(setrlimit(RLIMIT_FSIZE, &zero));
                long n = atol(argv[2]), sent = 0, received = 0;
                char c;
                for (long i = 0; i < n; i++) {
                        CHECK(send(a, "x", 1, 0));
                        sent++;
                        CHECK(recv(b, &c, 1, 0));
                        received++;
                }
                fact("sends", sent);
                fact("recvs", received);
                return 0;
        }
        CALL("send", send(a, "abc", 3, 0));
        if (mode_is(argc, argv, "inherited")) {
                sends = atoi(argv[2]);
        } else {
                struct rlimit zero = {0, 0};
                CHECK(setrlimit(RLIMIT_FSIZE, &zero));
        }
        /* Some sends while the writer thread passes (-t 1), some at exit. */
        for (int i = 0; i < sends; i++) {
                CALL("send", send(a, "defgh", 5, 0));
                struct timespec ms = {0, 1000000};
                nanosleep(&ms, NULL);
        }
        char buf[512];
        int got = 0;
        while (got < 3 + sends * 5) {
                int n = (int)recv(b, buf, sizeof buf, 0);
                CHECK(n);
                got += n;
        }
        fact("received", got);
        return 0;
}

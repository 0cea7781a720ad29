/* Nothing lost on exit paths. argv[1]: return | exit | _exit | _Exit | exec |
 * wait (print "ready" then block until a signal kills us); argv[2]: number of
 * send() calls to make first. Prints "sends N". */
#include "common.h"
#include <signal.h>

int main(int argc, char **argv) {
        if (argc < 3) return 2;
        int n = atoi(argv[2]), a, b, sends = 0;
        if (strcmp(argv[1], "noop") == 0) return 0;
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        for (int i = 0; i < n; i++) {
                if (send(a, "0123456789", 10, 0) == 10) sends++;
                if (i % 64 == 0) { char r[16]; while (recv(b, r, sizeof(r), MSG_DONTWAIT) > 0) ; }
        }
        fact("sends", sends);
        const char *m = argv[1];
        if (strcmp(m, "exit") == 0) exit(0);
        if (strcmp(m, "_exit") == 0) _exit(0);
        if (strcmp(m, "_Exit") == 0) _Exit(0);
        if (strcmp(m, "exec") == 0) {
                execl(argv[3], "exits", "noop", "0", (char *)NULL);
                die("execl");
        }
        if (strcmp(m, "wait") == 0) {
                dprintf(1, "ready\n");
                for (;;) pause();
        }
        return 0;
}

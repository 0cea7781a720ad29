/* Node.js's way of dying of SIGINT/SIGTERM: a handler installed with
 * SA_RESETHAND that resets the terminal and raises the signal again, so
 * the default action ends the process. argv[1]: number of sends first.
 * Prints "sends N", "ready", then waits for the signal. */
#include "common.h"
#include <signal.h>

static void on_term(int sig) {
        /* (node: ResetStdio()) */
        raise(sig);
}

int main(int argc, char **argv) {
        if (argc < 2) return 2;
        int n = atoi(argv[1]), a, b, sends = 0;
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        for (int i = 0; i < n; i++) {
                if (send(a, "0123456789", 10, 0) == 10) sends++;
                if (i % 64 == 0) { char r[16]; while (recv(b, r, sizeof(r), MSG_DONTWAIT) > 0) ; }
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        CHECK(sigaction(SIGTERM, &sa, NULL));
        CHECK(sigaction(SIGINT, &sa, NULL));
        fact("sends", sends);
        dprintf(1, "ready\n");
        for (;;) pause();
}

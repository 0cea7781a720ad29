/* TCP transfer for the tcp_info (-b/-u) and capture (-c) tests.
 * argv: chunk count [sleep_usec between sends]. Client (socket 1) sends
 * count × chunk bytes, the accepted socket (2) reads them all; both close. */
#include "common.h"

int main(int argc, char **argv) {
        if (argc < 3) return 2;
        int chunk = atoi(argv[1]), count = atoi(argv[2]);
        int pause_us = argc > 3 ? atoi(argv[3]) : 0;
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b);
        char *buf = calloc(1, chunk);
        long total = 0;
        for (int i = 0; i < count; i++) {
                CHECK(send(a, buf, chunk, 0));
                long got = 0;
                while (got < chunk) {
                        long r = recv(b, buf, chunk - got, 0);
                        CHECK(r);
                        got += r;
                        fact("recv", r);
                }
                total += chunk;
                if (pause_us) usleep(pause_us);
        }
        CHECK(close(a));
        CHECK(close(b));
        fact("total", total);
        return 0;
}

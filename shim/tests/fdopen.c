/* fdopen(): stream | dgram | fail (bad mode) */
#include "common.h"

int main(int argc, char **argv) {
        int l, a, b;
        if (mode_is(argc, argv, "stream")) tcp_pair(AF_INET, &l, &a, &b); /* a: 1 */
        else udp_pair(AF_INET, &a, &b);                                     /* a: 0 */
        const char *mode = mode_is(argc, argv, "fail") ? "z" : "r+";
        errno = ERRNO_SENTINEL;
        FILE *f = fdopen(a, mode);
        report("fdopen", f ? 0 : -1, errno);
        return 0;
}

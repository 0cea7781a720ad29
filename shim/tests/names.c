/* getsockname()/getpeername(): stream | dgram | fail [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        int l, a, b;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(fam, &l, &a, &b);
                CALL("getsockname", getsockname(a, (struct sockaddr *)&ss, &len)); /* socket 1 */
                len = sizeof(ss);
                CALL("getpeername", getpeername(a, (struct sockaddr *)&ss, &len));
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(fam, &a, &b);
                CALL("getsockname", getsockname(a, (struct sockaddr *)&ss, &len)); /* socket 0 */
                len = sizeof(ss);
                CALL("getpeername", getpeername(a, (struct sockaddr *)&ss, &len));
        } else {
                a = socket(fam, SOCK_STREAM, 0);
                CALL("getpeername", getpeername(a, (struct sockaddr *)&ss, &len));
                /* An address pointer libc passes through unchecked: EFAULT,
                 * and the shim must not read it. */
                CALL("getsockname", getsockname(a, (struct sockaddr *)8, &len));
        }
        return 0;
}

/* send()/recv(): stream | dgram | fail [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        int l, a, b;
        char buf[100];
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(fam, &l, &a, &b);
                CALL("send", send(a, "hello", 5, MSG_NOSIGNAL)); /* socket 1 */
                CALL("recv", recv(b, buf, sizeof(buf), 0)); /* socket 2 */
                CALL("send", send(b, "abc", 3, MSG_DONTWAIT | MSG_MORE));
                CALL("recv", recv(a, buf, 2, MSG_PEEK));
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(fam, &a, &b);
                CALL("send", send(a, "hello", 5, 0)); /* socket 0 */
                CALL("recv", recv(b, buf, sizeof(buf), 0)); /* socket 1 */
        } else {
                a = socket(fam, SOCK_DGRAM, 0); /* not connected: socket 0 */
                CALL("send", send(a, "x", 1, 0));
                CALL("recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT));
        }
        return 0;
}

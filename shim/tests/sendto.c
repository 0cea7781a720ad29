/* sendto()/recvfrom(): dgram | stream | fail [family] */
#include "common.h"

int main(int argc, char **argv) {
        int fam = family_of(argc > 2 ? argv[2] : NULL);
        int l, a, b, pa, pb;
        char buf[64];
        struct sockaddr_storage ss, from;
        socklen_t len = sizeof(from);
        if (mode_is(argc, argv, "dgram")) {
                a = bound_socket(fam, SOCK_DGRAM, &pa); /* socket 0 */
                b = bound_socket(fam, SOCK_DGRAM, &pb); /* socket 1 */
                fact("port_a", pa);
                fact("port_b", pb);
                CALL("sendto", sendto(a, "hello", 5, 0, (struct sockaddr *)&ss, loopback(fam, pb, &ss)));
                CALL("recvfrom", recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len));
        } else if (mode_is(argc, argv, "stream")) {
                tcp_pair(fam, &l, &a, &b);
                CALL("sendto", sendto(a, "hello", 5, 0, NULL, 0));
                CALL("recvfrom", recvfrom(b, buf, sizeof(buf), 0, NULL, NULL));
        } else {
                a = bound_socket(fam, SOCK_DGRAM, &pa);
                CALL("sendto", sendto(a, "hello", 5, 0, (struct sockaddr *)&ss, 1));
                CALL("recvfrom", recvfrom(a, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &len));
        }
        return 0;
}

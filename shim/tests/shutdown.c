/* shutdown(): stream | dgram | fail (not connected) */
#include "common.h"

int main(int argc, char **argv) {
        int a, b, c;
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(AF_INET, &a, &b, &c);
                CALL("shutdown", shutdown(b, SHUT_WR));   /* socket 1 */
                CALL("shutdown", shutdown(c, SHUT_RDWR)); /* socket 2 */
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(AF_INET, &a, &b);
                CALL("shutdown", shutdown(a, SHUT_RD)); /* socket 0 */
        } else {
                a = socket(AF_INET, SOCK_STREAM, 0);
                CALL("shutdown", shutdown(a, SHUT_RDWR));
        }
        return 0;
}

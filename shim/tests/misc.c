/* sockatmark()/isfdtype()/ioctl(): stream | dgram | fail */
#include "common.h"
#include <sys/ioctl.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
        int l, a, b, n = 0;
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(AF_INET, &l, &a, &b);
                CHECK(send(a, "hello", 5, 0));
                CHECK(recv(b, &n, 1, MSG_PEEK)); /* data has arrived */
                CALL("sockatmark", sockatmark(b)); /* socket 2 */
                CALL("isfdtype", isfdtype(b, S_IFSOCK));
                CALL("ioctl", ioctl(b, FIONREAD, &n));
                fact("fionread", n);
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(AF_INET, &a, &b);
                CALL("isfdtype", isfdtype(a, S_IFSOCK));
                CALL("ioctl", ioctl(a, FIONREAD, &n));
        } else {
                a = socket(AF_INET, SOCK_DGRAM, 0);
                CALL("sockatmark", sockatmark(a));
                CALL("ioctl", ioctl(a, 0x5401ff, &n));
        }
        return 0;
}

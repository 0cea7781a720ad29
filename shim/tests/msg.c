/* sendmsg()/recvmsg(): stream | dgram | fail */
#include "common.h"
#include <sys/uio.h>

int main(int argc, char **argv) {
        int l, a, b;
        char out1[] = "abc", out2[] = "defg", in1[10], in2[20];
        struct iovec oiov[2] = {{out1, 3}, {out2, 4}};
        struct iovec iiov[2] = {{in1, sizeof(in1)}, {in2, sizeof(in2)}};
        struct msghdr om = {.msg_iov = oiov, .msg_iovlen = 2};
        struct msghdr im = {.msg_iov = iiov, .msg_iovlen = 2};
        if (mode_is(argc, argv, "stream")) {
                tcp_pair(AF_INET, &l, &a, &b);
                CALL("sendmsg", sendmsg(a, &om, MSG_NOSIGNAL)); /* socket 1 */
                char t[8];
                CHECK(recv(b, t, 7, MSG_PEEK | MSG_WAITALL));
                CALL("recvmsg", recvmsg(b, &im, MSG_CMSG_CLOEXEC)); /* socket 2 */
        } else if (mode_is(argc, argv, "dgram")) {
                udp_pair(AF_INET, &a, &b);
                CALL("sendmsg", sendmsg(a, &om, 0)); /* socket 0 */
                CALL("recvmsg", recvmsg(b, &im, 0)); /* socket 1 */
        } else {
                a = socket(AF_INET, SOCK_DGRAM, 0);
                CALL("sendmsg", sendmsg(a, &om, 0));
                CALL("recvmsg", recvmsg(a, &im, MSG_DONTWAIT));
        }
        return 0;
}

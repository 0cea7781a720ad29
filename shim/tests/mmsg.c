/* sendmmsg()/recvmmsg(): dgram | stream | fail */
#include "common.h"
#include <sys/uio.h>

int main(int argc, char **argv) {
        int l, a, b;
        char bufs[4][32];
        struct iovec oiov[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
        struct iovec iiov[4];
        struct mmsghdr om[3], im[4];
        memset(om, 0, sizeof(om));
        memset(im, 0, sizeof(im));
        for (int i = 0; i < 3; i++) {
                om[i].msg_hdr.msg_iov = &oiov[i];
                om[i].msg_hdr.msg_iovlen = 1;
        }
        for (int i = 0; i < 4; i++) {
                iiov[i].iov_base = bufs[i];
                iiov[i].iov_len = sizeof(bufs[i]);
                im[i].msg_hdr.msg_iov = &iiov[i];
                im[i].msg_hdr.msg_iovlen = 1;
        }
        struct timespec tmo = {1, 500};
        if (mode_is(argc, argv, "dgram")) {
                udp_pair(AF_INET, &a, &b);
                CALL("sendmmsg", sendmmsg(a, om, 3, 0));             /* socket 0 */
                CALL("recvmmsg", recvmmsg(b, im, 4, MSG_WAITFORONE, &tmo)); /* socket 1 */
        } else if (mode_is(argc, argv, "stream")) {
                tcp_pair(AF_INET, &l, &a, &b);
                CALL("sendmmsg", sendmmsg(a, om, 3, MSG_NOSIGNAL)); /* socket 1 */
                /* Make sure all 6 bytes arrived, then read them as one message. */
                char tmp[8];
                CHECK(recv(b, tmp, 6, MSG_WAITALL | MSG_PEEK));
                CALL("recvmmsg", recvmmsg(b, im, 1, 0, NULL)); /* socket 2 */
        } else {
                a = socket(AF_INET, SOCK_DGRAM, 0);
                CALL("sendmmsg", sendmmsg(a, om, 3, 0));
                CALL("recvmmsg", recvmmsg(a, im, 4, MSG_DONTWAIT, NULL));
        }
        for (int i = 0; i < 4; i++) fact("msg_len", im[i].msg_len);
        return 0;
}

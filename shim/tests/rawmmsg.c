/* Datagrams sent and received with raw syscall(SYS_sendmmsg / SYS_recvmmsg),
 * as libuv does (dig, Node.js's dgram): they are recorded as sendmmsg and
 * recvmmsg, with the bytes each message moved. */
#include "common.h"
#include <sys/syscall.h>
#include <sys/uio.h>

int main(void) {
        int a, b;
        char bufs[4][32];
        struct iovec oiov[2] = {{"abcd", 4}, {"efghijk", 7}};
        struct iovec iiov[4];
        struct mmsghdr om[2], im[4];
        memset(om, 0, sizeof(om));
        memset(im, 0, sizeof(im));
        for (int i = 0; i < 2; i++) {
                om[i].msg_hdr.msg_iov = &oiov[i];
                om[i].msg_hdr.msg_iovlen = 1;
        }
        for (int i = 0; i < 4; i++) {
                iiov[i].iov_base = bufs[i];
                iiov[i].iov_len = sizeof(bufs[i]);
                im[i].msg_hdr.msg_iov = &iiov[i];
                im[i].msg_hdr.msg_iovlen = 1;
        }
        udp_pair(AF_INET, &a, &b);
        /* libuv's probe for sendmmsg: an empty vector. */
        CALL("sendmmsg", syscall(SYS_sendmmsg, a, NULL, 0, 0));            /* socket 0 */
        CALL("sendmmsg", syscall(SYS_sendmmsg, a, om, 2, 0));              /* socket 0 */
        struct timespec tmo = {2, 700};
        CALL("recvmmsg", syscall(SYS_recvmmsg, b, im, 4, MSG_WAITFORONE, &tmo)); /* socket 1 */
        CALL("recvmmsg", syscall(SYS_recvmmsg, b, im, 4, MSG_DONTWAIT, NULL));    /* socket 1: EAGAIN */
        for (int i = 0; i < 2; i++) fact("msg_len", im[i].msg_len);
        return 0;
}

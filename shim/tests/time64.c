/* Built with -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64: on a 32-bit glibc the
 * calls below bind to __setsockopt64, __getsockopt64, __fcntl_time64,
 * __ioctl_time64, __sendmsg64, __select64, __pselect64, __ppoll64,
 * __recvmsg64, __sendmmsg64 and __recvmmsg64 (elsewhere, to the usual
 * names). Sockets 0 (sender) and 1 (receiver). */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/uio.h>

int main(void) {
        int a, b;
        udp_pair(AF_INET, &a, &b);
        struct timeval tv = {5, 250000};
        CALL("setsockopt", setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
        struct timeval got;
        socklen_t len = sizeof got;
        CALL("getsockopt", getsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
        fact("got_sec", (long)got.tv_sec); /* the kernel rounds to its tick */
        fact("got_usec", (long)got.tv_usec);
        CALL("fcntl", fcntl(b, F_GETFL));
        struct iovec iov = {"abc", 3};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        CALL("sendmsg", sendmsg(a, &m, 0));
        int n;
        CALL("ioctl", ioctl(b, FIONREAD, &n));
        fd_set r;
        FD_ZERO(&r);
        FD_SET(b, &r);
        struct timeval stv = {3, 0};
        CALL("select", select(b + 1, &r, NULL, NULL, &stv));
        FD_SET(b, &r);
        struct timespec pts = {4, 9};
        CALL("pselect", pselect(b + 1, &r, NULL, NULL, &pts, NULL));
        struct pollfd p = {.fd = b, .events = POLLIN};
        struct timespec ppts = {2, 5000};
        CALL("ppoll", ppoll(&p, 1, &ppts, NULL));
        char buf[8];
        struct iovec riov = {buf, sizeof buf};
        struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1};
        CALL("recvmsg", recvmsg(b, &rm, 0));
        struct iovec oiov[2] = {{"d", 1}, {"ee", 2}};
        struct mmsghdr om[2];
        memset(om, 0, sizeof om);
        for (int i = 0; i < 2; i++) {
                om[i].msg_hdr.msg_iov = &oiov[i];
                om[i].msg_hdr.msg_iovlen = 1;
        }
        CALL("sendmmsg", sendmmsg(a, om, 2, 0));
        char bufs[4][8];
        struct iovec iiov[4];
        struct mmsghdr im[4];
        memset(im, 0, sizeof im);
        for (int i = 0; i < 4; i++) {
                iiov[i].iov_base = bufs[i];
                iiov[i].iov_len = sizeof bufs[i];
                im[i].msg_hdr.msg_iov = &iiov[i];
                im[i].msg_hdr.msg_iovlen = 1;
        }
        struct timespec tmo = {7, 500};
        CALL("recvmmsg", recvmmsg(b, im, 4, MSG_WAITFORONE, &tmo));
        return 0;
}

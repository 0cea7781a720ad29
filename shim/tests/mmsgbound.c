/* recvmmsg/sendmmsg against the memory bound: fail | big
 * fail: 2 000 recvmmsg(vlen=1024) on an empty non-blocking socket (EAGAIN),
 *   then one that receives 2 datagrams.
 * big: 800 sendmmsg(vlen=1024) of empty datagrams: 1 024 entries each.
 * Prints the process's peak resident size (VmHWM, KiB). */
#include "common.h"
#include <fcntl.h>

#define VLEN 1024

static long vm_hwm_kib(void) {
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY);
        CHECK(fd);
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        char *p = strstr(buf, "VmHWM:");
        return p ? atol(p + 6) : -1;
}

static struct mmsghdr vec[VLEN];
static struct iovec iov[VLEN];
static char bufs[VLEN][8];

int main(int argc, char **argv) {
        int a, b;
        udp_pair(AF_INET, &a, &b); /* sockets 0, 1 */
        for (int i = 0; i < VLEN; i++) {
                iov[i].iov_base = bufs[i];
                iov[i].iov_len = mode_is(argc, argv, "big") ? 0 : sizeof bufs[i];
                vec[i].msg_hdr.msg_iov = &iov[i];
                vec[i].msg_hdr.msg_iovlen = 1;
        }
        if (mode_is(argc, argv, "fail")) {
                int failed = 0;
                for (int i = 0; i < 2000; i++)
                        if (recvmmsg(b, vec, VLEN, MSG_DONTWAIT, NULL) < 0 && errno == EAGAIN) failed++;
                fact("failed", failed);
                CHECK(send(a, "hi", 2, 0));
                CHECK(send(a, "you", 3, 0));
                struct timespec tmo = {1, 0};
                usleep(100000);
                CALL("recvmmsg", recvmmsg(b, vec, VLEN, MSG_DONTWAIT, &tmo));
                /* Unreadable vectors: EFAULT, and the shim must not read them. */
                CALL("recvmmsg", recvmmsg(b, (struct mmsghdr *)16, VLEN, MSG_DONTWAIT, NULL));
                CALL("recvmsg", recvmsg(b, (struct msghdr *)16, MSG_DONTWAIT));
        } else {
                long sent = 0;
                for (int i = 0; i < 800; i++) {
                        int n = sendmmsg(a, vec, VLEN, 0);
                        CHECK(n);
                        sent += n;
                }
                fact("sent", sent);
        }
        fact("vm_hwm_kib", vm_hwm_kib());
        return 0;
}

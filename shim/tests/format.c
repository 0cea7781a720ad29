/* Values the original wrote in a particular way (tests/shim/original_test.go):
 *   protocols: sockets made with explicit protocol numbers; for each one
 *              created, "proto N" in creation order (sockets 0, 1, ...)
 *   iovneg:    writev/readv with iovcnt -1 (EINVAL) on a UDP pair (0, 1)
 *   cmsg:      sendmsg with an IP_TTL control message, recvmsg getting one
 *              back (IP_RECVTTL), on a UDP pair (0, 1) */
#define _GNU_SOURCE
#include "common.h"
#include <sys/uio.h>

static void try_socket(int family, int type, int proto) {
        int fd = socket(family, type, proto);
        if (fd >= 0) fact("proto", proto);
}

int main(int argc, char **argv) {
        if (mode_is(argc, argv, "protocols")) {
                try_socket(AF_INET, SOCK_STREAM, 0);
                try_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
                try_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
                try_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE); /* where the kernel has it */
                try_socket(AF_INET, SOCK_STREAM, 262);            /* IPPROTO_MPTCP, where enabled */
                try_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);    /* ping socket, where allowed */
                return 0;
        }
        if (mode_is(argc, argv, "iovneg")) {
                int a, b;
                char buf[8];
                struct iovec iov = {buf, sizeof buf};
                udp_pair(AF_INET, &a, &b);
                CALL("writev", writev(a, &iov, -1));
                CALL("readv", readv(b, &iov, -1));
                return 0;
        }
        if (mode_is(argc, argv, "cmsg")) {
                int a, b, on = 1, ttl = 9;
                udp_pair(AF_INET, &a, &b);
                CHECK(setsockopt(b, IPPROTO_IP, IP_RECVTTL, &on, sizeof on));
                char cbuf[CMSG_SPACE(sizeof(int))], data[4] = "abc";
                struct iovec iov = {data, sizeof data};
                struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
                struct cmsghdr *c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = IPPROTO_IP;
                c->cmsg_type = IP_TTL;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
                CALL("sendmsg", sendmsg(a, &m, 0));
                char rbuf[CMSG_SPACE(sizeof(int)) + 64];
                struct msghdr r = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = rbuf, .msg_controllen = sizeof rbuf};
                CALL("recvmsg", recvmsg(b, &r, 0));
                fact("recv_ttl", *(int *)CMSG_DATA(CMSG_FIRSTHDR(&r)));
                fact("cmsg_len", (long)CMSG_LEN(sizeof(int)));
                return 0;
        }
        return 2;
}

/* Nothing here is an internet socket: unix sockets, pipes, regular files,
 * and calls on bad fds. No socket trace may appear, errno must be intact.
 * argv[1]: all | files (only regular file I/O) */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/un.h>

int main(int argc, char **argv) {
        char buf[64];
        char path[] = "/tmp/tcpsnitch-file-XXXXXX";
        int f = mkstemp(path);
        CHECK(f);
        unlink(path);
        for (int i = 0; i < 1000; i++) CHECK(write(f, "line\n", 5));
        CHECK(lseek(f, 0, SEEK_SET));
        while (read(f, buf, sizeof(buf)) > 0) ;
        CHECK(dup2(f, 50));
        CHECK(close(50));
        CHECK(close(f));
        if (mode_is(argc, argv, "files")) return 0;

        int sv[2], p[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
        CHECK(send(sv[0], "x", 1, 0));
        CHECK(recv(sv[1], buf, 1, 0));
        struct pollfd pf = {sv[1], POLLIN, 0};
        CHECK(poll(&pf, 1, 0));
        CHECK(close(sv[0]));
        CHECK(close(sv[1]));
        int u = socket(AF_UNIX, SOCK_DGRAM, 0);
        CHECK(u);
        CHECK(close(u));
        int nl = socket(AF_NETLINK, SOCK_RAW, 0);
        if (nl >= 0) CHECK(close(nl));
        CHECK(pipe(p));
        CHECK(write(p[1], "y", 1));
        CHECK(read(p[0], buf, 1));
        CHECK(close(p[0]));
        CHECK(close(p[1]));

        /* Bad fds: EBADF, reported by the program, nothing traced. */
        CALL("send", send(-1, "x", 1, 0));
        CALL("recv", recv(999, buf, 1, 0));
        CALL("connect", connect(999, (struct sockaddr *)buf, 16));
        CALL("close", close(999));
        CALL("dup", dup(999));
        CALL("getsockopt", getsockopt(999, SOL_SOCKET, SO_TYPE, buf, (socklen_t[]){4}));
        CALL("epoll_ctl", epoll_ctl(999, 2, 998, NULL));
        return 0;
}

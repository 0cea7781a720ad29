/* Fds closed inside libc and numbers handed out again: fclose | scm | scmm
 * fclose: socket -> fdopen -> fclose, then open("/dev/null") gets the same
 *   number: its write and close are the file's, not the dead socket's.
 * scm, scmm: a number that held a directory (closed inside libc by
 *   closedir, so its "not a socket" is still cached) receives an internet
 *   socket over SCM_RIGHTS (recvmsg, recvmmsg): calls on it are traced. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/uio.h>

static void send_fd(int via, int fd) {
        char c = 'f';
        struct iovec iov = {&c, 1};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u;
        memset(&u, 0, sizeof u);
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
        CHECK(sendmsg(via, &m, 0));
}

static int recv_fd(int via, int mmsg) {
        char c;
        struct iovec iov = {&c, 1};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u;
        struct mmsghdr mm;
        memset(&mm, 0, sizeof mm);
        struct msghdr *m = &mm.msg_hdr;
        m->msg_iov = &iov;
        m->msg_iovlen = 1;
        m->msg_control = u.buf;
        m->msg_controllen = sizeof u.buf;
        if (mmsg) CHECK(recvmmsg(via, &mm, 1, 0, NULL));
        else CHECK(recvmsg(via, m, 0));
        struct cmsghdr *cm = CMSG_FIRSTHDR(m);
        if (!cm || cm->cmsg_type != SCM_RIGHTS) die("no SCM_RIGHTS");
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
        return fd;
}

int main(int argc, char **argv) {
        if (mode_is(argc, argv, "fclose")) {
                int s = socket(AF_INET, SOCK_STREAM, 0); /* socket 0 */
                CHECK(s);
                FILE *f = fdopen(s, "r+");
                if (!f) die("fdopen");
                CALL("fclose", fclose(f));
                int fd = CALL("open", open("/dev/null", O_WRONLY));
                CHECK(fd);
                CALL("open", open("/nonexistent/x", O_RDONLY)); /* ENOENT kept */
                int p[2];
                CALL("pipe", pipe(p));
                fact("same_fd", fd == s);
                CHECK(write(fd, "abc", 3));
                CHECK(close(fd));
                return 0;
        }
        int u[2];
        CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
        int port;
        int x = bound_socket(AF_INET, SOCK_DGRAM, &port); /* socket 0 */
        int dfd = open(".", O_RDONLY | O_DIRECTORY);
        CHECK(dfd);
        char buf[8];
        (void)!read(dfd, buf, sizeof buf); /* EISDIR: classified, cached */
        DIR *d = fdopendir(dfd);
        if (!d) die("fdopendir");
        CHECK(closedir(d));
        send_fd(u[0], x);
        int r = recv_fd(u[1], mode_is(argc, argv, "scmm"));
        fact("same_fd", r == dfd);
        struct sockaddr_storage ss;
        CALL("sendto", sendto(r, "hello", 5, 0, (struct sockaddr *)&ss, loopback(AF_INET, port, &ss)));
        CHECK(close(r));
        CHECK(close(x));
        return 0;
}

/* Fds closed inside libc and numbers handed out again: fclose | scm | scmm
 * fclose: socket -> fdopen -> fclose, then open("/dev/null") gets the same
 *   number: its write and close are the file's, not the dead socket's.
 * raw: sockets closed by a raw system call (no libc, no hook sees it); their
 *   numbers come back from pipe() and from accept() on a unix listener: the
 *   calls on those are not recorded on the dead sockets.
 * scm, scmm: a number that held a directory (closed inside libc by
 *   closedir, so its "not a socket" is still cached) receives an internet
 *   socket over SCM_RIGHTS (recvmsg, recvmmsg): calls on it are traced. */
#include "common.h"
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/un.h>

/* close(2) without libc: the system call instruction itself. */
static long raw_close(int fd) {
#if defined(__x86_64__)
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "a"(3L), "D"((long)fd) : "rcx", "r11", "memory");
        return ret;
#elif defined(__i386__)
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(6L), "b"((long)fd) : "memory");
        return ret;
#elif defined(__aarch64__)
        register long x8 __asm__("x8") = 57;
        register long x0 __asm__("x0") = fd;
        __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8) : "memory");
        return x0;
#else
#error "raw_close: no system call instruction for this target"
#endif
}

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
        if (mode_is(argc, argv, "raw")) {
                /* A unix listener with a client waiting, for accept(). */
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "tcpsnitch-fdfresh-%d", (int)getpid());
                socklen_t salen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
                int ul = socket(AF_UNIX, SOCK_STREAM, 0), uc = socket(AF_UNIX, SOCK_STREAM, 0);
                CHECK(ul);
                CHECK(uc);
                CHECK(bind(ul, (struct sockaddr *)&sa, salen));
                CHECK(listen(ul, 1));
                CHECK(connect(uc, (struct sockaddr *)&sa, salen));
                int s0 = socket(AF_INET, SOCK_DGRAM, 0); /* socket 0 */
                CHECK(s0);
                if (raw_close(s0) != 0) die("raw close");
                int p[2];
                CHECK(pipe(p));
                fact("pipe_same_fd", p[0] == s0);
                CHECK(write(p[1], "x", 1));
                char c;
                CHECK(read(p[0], &c, 1));
                int s1 = socket(AF_INET, SOCK_DGRAM, 0); /* socket 1 */
                CHECK(s1);
                if (raw_close(s1) != 0) die("raw close");
                int a = accept(ul, NULL, NULL);
                CHECK(a);
                fact("accept_same_fd", a == s1);
                CHECK(write(a, "y", 1));
                CHECK(close(a));
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

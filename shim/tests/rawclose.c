/* A socket closed by a raw syscall(SYS_close), as libuv (Node.js) does,
 * still gets its close; a file opened next on the same fd number is not
 * taken for the dead socket. */
#include "common.h"
#include <fcntl.h>
#include <sys/syscall.h>

int main(void) {
        int fd = CALL("socket", socket(AF_INET, SOCK_DGRAM, 0));
        struct sockaddr_storage ss;
        CALL("sendto", sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, 9, &ss)));
        CALL("close", syscall(SYS_close, fd));
        int f = open("/dev/null", O_WRONLY);
        CHECK(f);
        fact("reused", f == fd);
        CHECK(write(f, "abc", 3));
        CHECK(close(f));
        return 0;
}

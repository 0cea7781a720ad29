/* A socket created behind the shim's back (raw syscall) is detected at its
 * first intercepted call: ghost_socket, then the call. */
#include "common.h"
#include <sys/syscall.h>

int main(void) {
        int fd = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
        CHECK(fd);
        struct sockaddr_storage ss;
        CALL("sendto", sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, 9, &ss)));
        CALL("close", close(fd));
        return 0;
}

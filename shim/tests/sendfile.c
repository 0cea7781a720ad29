/* sendfile()/sendfile64(): stream | fail (bad input fd) */
#include "common.h"
#include <fcntl.h>
#include <sys/sendfile.h>

int main(int argc, char **argv) {
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b);
        if (mode_is(argc, argv, "fail")) {
                CALL("sendfile", sendfile(a, 999, NULL, 10));
                return 0;
        }
        char path[] = "/tmp/tcpsnitch-sendfile-XXXXXX";
        int f = mkstemp(path);
        CHECK(f);
        unlink(path);
        CHECK(write(f, "0123456789", 10));
        off_t off = 0;
        CALL("sendfile", sendfile(a, f, &off, 7));
        off64_t off64 = 7;
        CALL("sendfile64", sendfile64(a, f, &off64, 100));
        return 0;
}

/* exec: calls before execv are kept in this process directory; the new image
 * (argv[1], the execd program) is traced in a directory of its own. */
#include "common.h"

int main(int argc, char **argv) {
        if (argc < 2) return 2;
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b); /* 0, 1, 2 */
        CALL("send", send(a, "before", 6, 0));
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", a);
        execl(argv[1], "execd", fd, (char *)NULL);
        die("execl");
}

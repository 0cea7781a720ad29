/* With -c the shim has a packet socket open. The program, as daemons do,
 * closes every fd past its listener (fd 3), the first client and server
 * sockets among them ("closeloop": close() on 4..1023; "closefrom":
 * closefrom(4)), opens a file 4 times (the lowest free numbers, where the
 * capture's socket was), forks, and the child writes to each: the shim
 * must neither have lost its
 * capture nor close the program's file in the child. A second connection
 * afterwards (sockets 3, 4, 5) must still be captured. */
#include "common.h"
#include <fcntl.h>
#include <sys/wait.h>

static void traffic(void) {
        int l, c, s;
        char buf[128];
        tcp_pair(AF_INET, &l, &c, &s);
        memset(buf, 'y', sizeof buf);
        CHECK(send(c, buf, sizeof buf, 0));
        CHECK(recv(s, buf, sizeof buf, MSG_WAITALL));
}

int main(int argc, char **argv) {
        traffic(); /* sockets 0, 1, 2 */
        if (mode_is(argc, argv, "closefrom")) {
                closefrom(4);
        } else {
                for (int fd = 4; fd < 1024; fd++) close(fd);
        }
        int f[4];
        for (int i = 0; i < 4; i++) CHECK(f[i] = open("/dev/null", O_WRONLY));
        pid_t pid = fork();
        CHECK(pid);
        if (pid == 0) {
                for (int i = 0; i < 4; i++)
                        if (write(f[i], "x", 1) != 1) _exit(1);
                _exit(0);
        }
        int st;
        CHECK(waitpid(pid, &st, 0));
        fact("child_write_ok", WIFEXITED(st) && WEXITSTATUS(st) == 0);
        traffic(); /* sockets 3, 4, 5 */
        return 0;
}

/* Run as root: a process that drops to nobody (setgid, setgroups, setuid,
 * as nginx workers and su do) after tracing sockets as root.
 * Sockets 0 (listener), 1 (client), 2 (accepted): a send each way as root,
 * then as nobody; socket 3 (UDP) is made as nobody. Then, as nobody, a fork
 * child makes a socket, and an exec'd copy of this program ("child") does. */
#include "common.h"
#include <grp.h>
#include <sys/wait.h>

#define NOBODY 65534

static void udp_self(void) {
        int port;
        int u = bound_socket(AF_INET, SOCK_DGRAM, &port);
        struct sockaddr_storage ss;
        CALL("sendto", sendto(u, "u", 1, 0, (struct sockaddr *)&ss, loopback(AF_INET, port, &ss)));
        close(u);
}

int main(int argc, char **argv) {
        if (mode_is(argc, argv, "child")) {
                fact("child_euid", geteuid());
                udp_self();
                return 0;
        }
        int l, c, s;
        char buf[16];
        tcp_pair(AF_INET, &l, &c, &s);
        CALL("send", send(c, "root", 4, 0));
        CHECK(recv(s, buf, sizeof buf, 0));
        CHECK(setgid(NOBODY));
        CHECK(setgroups(0, NULL));
        CHECK(setuid(NOBODY));
        fact("euid", geteuid());
        CALL("send", send(c, "nobody", 6, 0));
        CHECK(recv(s, buf, sizeof buf, 0));
        udp_self();
        pid_t pid = fork();
        CHECK(pid);
        if (pid == 0) {
                udp_self();
                _exit(0);
        }
        int st;
        CHECK(waitpid(pid, &st, 0));
        if (!WIFEXITED(st) || WEXITSTATUS(st)) die("fork child");
        pid = fork();
        CHECK(pid);
        if (pid == 0) {
                execl("/proc/self/exe", argv[0], "child", (char *)NULL);
                _exit(97);
        }
        CHECK(waitpid(pid, &st, 0));
        if (!WIFEXITED(st) || WEXITSTATUS(st)) die("exec child");
        close(c);
        close(s);
        close(l);
        return 0;
}

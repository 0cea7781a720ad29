/* vfork()+exec and posix_spawn(): the child image (argv[2], execd) gets its
 * own process directory; the parent's tracing goes on.
 * argv[1]: vfork | posix_spawn */
#include "common.h"
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
        if (argc < 3) return 2;
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b); /* 0, 1, 2 */
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", a);
        char *cargv[] = {"execd", fd, NULL};
        pid_t pid;
        if (mode_is(argc, argv, "vfork")) {
                pid = vfork();
                if (pid == 0) {
                        execve(argv[2], cargv, environ);
                        _exit(127);
                }
        } else {
                CHECK(-posix_spawn(&pid, argv[2], NULL, NULL, cargv, environ));
        }
        int st;
        CHECK(waitpid(pid, &st, 0));
        fact("child_status", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
        CALL("send", send(a, "parent", 6, 0));
        return 0;
}

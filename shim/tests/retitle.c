/* A program that rewrites its title (as nginx workers do) before its first
 * socket, in place in argv[0] (which /proc/self/cmdline shows); a fork
 * child rewrites it again. */
#include "common.h"
#include <sys/wait.h>

static void retitle(char **argv, const char *title) {
        size_t room = strlen(argv[0]);
        memset(argv[0], 0, room);
        memcpy(argv[0], title, strlen(title) < room ? strlen(title) : room);
}

int main(int argc, char **argv) {
        (void)argc;
        if (strlen(argv[0]) < 20) die("argv[0] too short to hold the new title");
        retitle(argv, "srv: /var/www");
        int s = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(s);
        pid_t pid = fork();
        CHECK(pid);
        if (pid == 0) {
                retitle(argv, "worker process");
                int c = socket(AF_INET, SOCK_DGRAM, 0);
                CHECK(c);
                close(c);
                _exit(0);
        }
        int st;
        CHECK(waitpid(pid, &st, 0));
        close(s);
        return 0;
}

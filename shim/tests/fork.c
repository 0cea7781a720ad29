/* fork(): the child gets its own process directory where each inherited
 * socket starts with forked_socket; sockets it creates follow. */
#include "common.h"
#include <sys/wait.h>

int main(void) {
        int l, a, b;
        tcp_pair(AF_INET, &l, &a, &b); /* 0, 1, 2 */
        CALL("send", send(a, "parent1", 7, 0));
        pid_t pid = CALL("fork", fork());
        if (pid == 0) {
                fact("child_pid", getpid());
                CALL("send", send(a, "child", 5, 0));
                int u = CALL("socket", socket(AF_INET, SOCK_DGRAM, 0));
                CALL("close", close(u));
                exit(0);
        }
        int st;
        CHECK(waitpid(pid, &st, 0));
        fact("parent_pid", getpid());
        CALL("send", send(a, "parent2", 7, 0));
        return 0;
}

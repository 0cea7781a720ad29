/* Race of issue 3: fork() while other threads (and the shim's writer) are
 * busy. Two threads ping-pong on a UDP pair; main forks argv[1] children,
 * each sends once and exits. A child that does not exit within 5 s is
 * reported as "deadlock" and killed. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int a, b;
static volatile int stop;

static void *pinger(void *arg) {
        int fd = *(int *)arg;
        char c;
        while (!stop) {
                send(fd, "p", 1, 0);
                recv(fd, &c, 1, MSG_DONTWAIT);
        }
        return NULL;
}

int main(int argc, char **argv) {
        int n = argc > 1 ? atoi(argv[1]) : 50, deadlocks = 0, ok = 0;
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        pthread_t t1, t2;
        CHECK(-pthread_create(&t1, NULL, pinger, &a));
        CHECK(-pthread_create(&t2, NULL, pinger, &b));
        for (int i = 0; i < n; i++) {
                pid_t pid = fork();
                CHECK(pid);
                if (pid == 0) {
                        send(a, "child", 5, 0);
                        exit(0);
                }
                int st = 0;
                struct timespec start, now;
                clock_gettime(CLOCK_MONOTONIC, &start);
                for (;;) {
                        pid_t r = waitpid(pid, &st, WNOHANG);
                        if (r == pid) { if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++; break; }
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        if (now.tv_sec - start.tv_sec >= 5) {
                                deadlocks++;
                                kill(pid, SIGKILL);
                                waitpid(pid, &st, 0);
                                break;
                        }
                        usleep(1000);
                }
        }
        stop = 1;
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        fact("children_ok", ok);
        fact("deadlock", deadlocks);
        return 0;
}

/* Several threads fork at the same time (a threaded server or a thread
 * pool that starts helpers): argv[1] threads each fork argv[2] children;
 * each child sends "child" once on the inherited UDP socket and exits.
 * A barrier lines the threads up before each round of forks, so their
 * forks overlap: glibc runs the fork handlers of two forking threads
 * concurrently. If the
 * threads are not done within 10 s, prints "hung_threads N" and kills
 * itself (a deadlock: the program could not even exit). */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int a, b, per_thread;
static int children_ok;
static pthread_barrier_t round_start;

static void *forker(void *arg) {
        (void)arg;
        for (int i = 0; i < per_thread; i++) {
                pthread_barrier_wait(&round_start);
                pid_t pid = fork();
                CHECK(pid);
                if (pid == 0) {
                        send(a, "child", 5, 0);
                        _exit(0);
                }
                int st = 0;
                if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
                        __atomic_add_fetch(&children_ok, 1, __ATOMIC_RELAXED);
        }
        return NULL;
}

int main(int argc, char **argv) {
        if (argc < 3) return 2;
        int nthreads = atoi(argv[1]);
        per_thread = atoi(argv[2]);
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        pthread_t th[64];
        if (nthreads > 64) return 2;
        CHECK(-pthread_barrier_init(&round_start, NULL, nthreads));
        for (int i = 0; i < nthreads; i++) CHECK(-pthread_create(&th[i], NULL, forker, NULL));
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        int hung = 0;
        for (int i = 0; i < nthreads; i++)
                if (pthread_timedjoin_np(th[i], NULL, &until) != 0) hung++;
        if (hung) {
                fact("hung_threads", hung);
                kill(getpid(), SIGKILL);
        }
        fact("children_ok", children_ok);
        return 0;
}

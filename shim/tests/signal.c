/* A SIGALRM handler that calls send() interrupts a loop of send() on the same
 * socket: no deadlock, and every call is recorded. argv[1]: loop count; the
 * loop goes on past it until the handler has sent 20 times (the timer
 * fired while the loop ran). */
#include "common.h"
#include <signal.h>
#include <sys/time.h>

static int fd;
static volatile sig_atomic_t handler_sends;

static void on_alarm(int sig) {
        (void)sig;
        int saved = errno;
        if (send(fd, "s", 1, 0) == 1) handler_sends++;
        errno = saved;
}

int main(int argc, char **argv) {
        int n = argc > 1 ? atoi(argv[1]) : 5000, b, main_sends = 0;
        udp_pair(AF_INET, &fd, &b); /* 0, 1 */
        struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = {{0, 100}, {0, 100}};
        setitimer(ITIMER_REAL, &it, NULL);
        char buf[10] = "0123456789";
        for (int i = 0; i < n || handler_sends < 20; i++) {
                if (send(fd, buf, sizeof(buf), 0) == sizeof(buf)) main_sends++;
                if (i % 64 == 0) { char r[16]; while (recv(b, r, sizeof(r), MSG_DONTWAIT) > 0) ; }
        }
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        fact("main_sends", main_sends);
        fact("handler_sends", handler_sends);
        return 0;
}

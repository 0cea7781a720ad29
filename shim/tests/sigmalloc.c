/* A SIGALRM handler calls send() (async-signal-safe) while the main thread
 * loops on malloc/free of sizes past malloc's per-thread cache, so the
 * handler often interrupts malloc holding its arena lock. Recording that
 * send must not call malloc. Runs until the handler has sent argv[1] times
 * (default 300). argv[2] "socket": every 10th time, the handler also opens
 * and closes a socket (a new record made inside a handler). "exit": the
 * handler ends the process with _exit once it has sent argv[1] times.
 * argv[3]: how the handler is installed: sigaction (default), bsd_signal,
 * sysv_signal (reset to SIG_DFL when it runs: it installs itself again
 * first thing, as System V programs do) or sigset. */
#include "common.h"
#include <signal.h>
#include <sys/time.h>

static int fd, with_socket, exit_in_handler, want, sysv;
static volatile sig_atomic_t handler_sends, handler_sockets;

static void on_alarm(int sig) {
        int saved = errno;
        if (sysv) sysv_signal(sig, on_alarm);
        if (send(fd, "s", 1, 0) == 1) handler_sends++;
        if (with_socket && handler_sends % 10 == 0) {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                if (s >= 0) {
                        handler_sockets++;
                        close(s);
                }
        }
        if (exit_in_handler && handler_sends >= want) {
                char line[32] = "handler_sends ", *p = line + 14, d[12];
                int n = 0, v = handler_sends;
                do d[n++] = (char)('0' + v % 10); while ((v /= 10));
                while (n) *p++ = d[--n];
                *p++ = '\n';
                (void)!write(1, line, (size_t)(p - line));
                _exit(0);
        }
        errno = saved;
}

int main(int argc, char **argv) {
        int b;
        want = argc > 1 ? atoi(argv[1]) : 300;
        with_socket = argc > 2 && strcmp(argv[2], "socket") == 0;
        exit_in_handler = argc > 2 && strcmp(argv[2], "exit") == 0;
        udp_pair(AF_INET, &fd, &b); /* 0, 1 */
        const char *how = argc > 3 ? argv[3] : "sigaction";
        if (strcmp(how, "bsd_signal") == 0) {
                if (bsd_signal(SIGALRM, on_alarm) == SIG_ERR) die("bsd_signal");
        } else if (strcmp(how, "sysv_signal") == 0) {
                sysv = 1;
                if (sysv_signal(SIGALRM, on_alarm) == SIG_ERR) die("sysv_signal");
        } else if (strcmp(how, "sigset") == 0) {
                if (sigset(SIGALRM, on_alarm) == SIG_ERR) die("sigset");
        } else {
                struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
                sigaction(SIGALRM, &sa, NULL);
        }
        /* System V handlers are reset when they run: a signal that comes
         * before the handler installs itself again kills the process (the
         * default action), a race of the program's own, so it gets more
         * room there (qemu-user takes long to enter a handler). */
        long us = sysv ? 2000 : 200;
        struct itimerval it = {{0, us}, {0, us}};
        setitimer(ITIMER_REAL, &it, NULL);
        long rounds = 0;
        while (handler_sends < want || exit_in_handler) {
                void *p[16];
                for (int k = 0; k < 16; k++) {
                        p[k] = malloc(4096 + 512 * k);
                        if (p[k]) *(volatile char *)p[k] = 1;
                }
                for (int k = 0; k < 16; k++) free(p[k]);
                if (++rounds % 256 == 0) { char r[16]; while (recv(b, r, sizeof(r), MSG_DONTWAIT) > 0) ; }
        }
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        fact("handler_sends", handler_sends);
        fact("handler_sockets", handler_sockets);
        return 0;
}

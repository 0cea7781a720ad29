/* socket, connect, write, read, then a crash: argv[1] "segv" (NULL
 * dereference), "abort", "fpe" (integer division by zero) or "bus"
 * (raise(SIGBUS)), "handled" (a NULL dereference caught by the program's
 * own SIGSEGV handler, which says so and leaves with _exit(3)). The events
 * before it must reach the trace. No core file. */
#include "common.h"
#include <signal.h>
#include <sys/resource.h>

static void on_segv(int sig) {
        (void)sig;
        static const char line[] = "handled 1\n";
        (void)!write(1, line, sizeof line - 1);
        _exit(3);
}

int main(int argc, char **argv) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        int l, c, s;
        char buf[16];
        tcp_pair(AF_INET, &l, &c, &s);
        CALL("write", write(c, "hello", 5));
        CALL("read", read(s, buf, sizeof(buf)));
        if (mode_is(argc, argv, "handled")) {
                struct sigaction sa = {.sa_handler = on_segv};
                CHECK(sigaction(SIGSEGV, &sa, NULL));
        }
        if (mode_is(argc, argv, "abort")) abort();
        if (mode_is(argc, argv, "bus")) raise(SIGBUS);
        if (mode_is(argc, argv, "fpe")) {
                volatile int zero = 0, num = 1000; /* both volatile: a real division */
                volatile int q = num / zero;
                (void)q;
                raise(SIGFPE); /* ARM does not trap on division by zero */
        }
        *(volatile int *)0 = 1;
        return 0;
}

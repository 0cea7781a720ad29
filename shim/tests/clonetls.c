/* clone() children that no fork handler sees. argv[1]:
 *   tls    what Chromium's sandbox does to chroot its zygote (sandbox/linux/
 *          services/credentials.cc, ChrootToSafeEmptyDir): CLONE_VM |
 *          CLONE_VFORK and a fresh, zeroed TLS block (CLONE_SETTLS: the
 *          kernel writes the child's TLS before returning, so the parent's
 *          must not be shared); the child makes a system call and leaves
 *          with _exit, reading nothing from TLS (x86_64 and ARM only, as
 *          Chromium: 32-bit x86 glibc makes system calls through TLS);
 *   plain  a raw clone with SIGCHLD only, as base::ForkWithFlags starts a
 *          process in new namespaces: a copy of the parent's memory, then
 *          _exit.
 * A socket has an event waiting to be written first. Prints "sends 1" and
 * "child_status S" (the child's wait status). */
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

static int child(void *arg) {
        (void)arg;
        _exit(chdir("/") == 0 ? 7 : 8);
}

int main(int argc, char **argv) {
        if (argc < 2) return 2;
        int a, b;
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        fact("sends", send(a, "x", 1, 0) == 1);
        static char stack[64 * 1024] __attribute__((aligned(16)));
        int flags = CLONE_FS | SIGCHLD;
        void *tls = NULL;
        if (strcmp(argv[1], "tls") == 0) {
#if defined(__x86_64__) || defined(__aarch64__) || defined(__arm__)
                static char tls_buf[16384] __attribute__((aligned(64)));
                flags |= CLONE_VM | CLONE_VFORK | CLONE_SETTLS;
                tls = tls_buf;
#else
                return 3;
#endif
        }
        pid_t pid = clone(child, stack + sizeof stack, flags, NULL, NULL, tls, NULL);
        CHECK(pid);
        int st = 0;
        CHECK(waitpid(pid, &st, 0));
        fact("child_status", st);
        return 0;
}

/* A program that sandboxes itself as Chromium's renderers do: a seccomp
 * filter that kills the process on getsockopt and getsockname (Chromium's
 * baseline policy crashes on them), installed through prctl() (argv[1]
 * "prctl") or syscall(SYS_seccomp) ("seccomp"). Then it uses a unix socket
 * pair made by a raw system call, which the shim never saw made (as an
 * IPC socket received from the zygote), and a UDP socket made before.
 * Prints "unix_bytes N" and "sends N". */
#include "common.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/net.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define KILL_IF(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

int main(int argc, char **argv) {
        if (argc < 2) return 2;
        int a, b, sv[2];
        udp_pair(AF_INET, &a, &b); /* 0, 1 */
        CHECK(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                KILL_IF(__NR_getsockopt),
                KILL_IF(__NR_getsockname),
#ifdef __NR_socketcall
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socketcall, 0, 4),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                KILL_IF(SYS_GETSOCKOPT),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        if (strcmp(argv[1], "prctl") == 0) CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
        else CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
        char buf[8];
        long n = write(sv[0], "ipc", 3);
        if (n == 3) n = read(sv[1], buf, sizeof buf);
        fact("unix_bytes", n);
        fact("sends", send(a, "x", 1, 0) == 1);
        return 0;
}

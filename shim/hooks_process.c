/* Hooks: processes. fork children are set up by our pthread_atfork handler
 * (lifecycle.c), which also covers fork calls made inside libc (daemon()).
 * exec*: everything recorded is written first, and the new image gets our
 * LD_PRELOAD and options back if the program dropped them from envp.
 * _exit: written first too (exit() is covered by our destructor). */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "android_optional.h"
#include "lifecycle.h"
#include "real.h"
#include "runlog.h"
#include "tstate.h"

extern char **environ;

EXPORT pid_t fork(void) { return REAL(fork)(); }

/* A vfork child shares our memory until it execs: its hooks would write the
 * parent's records. A real fork is a valid implementation of vfork. */
EXPORT pid_t vfork(void) { return REAL(fork)(); }

static void before_exec(void) {
	if (!shim_ready()) return;
	shim_flush_before_leaving();
	runlog_exec();
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
	before_exec();
	char **env = env_with_ours(envp);
	int ret = REAL(execve)(path, argv, env);
	int err = errno;
	env_free(env, envp);
	errno = err;
	return ret;
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
	before_exec();
	char **env = env_with_ours(envp);
	int ret = REAL(execvpe)(file, argv, env);
	int err = errno;
	env_free(env, envp);
	errno = err;
	return ret;
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
	before_exec();
	char **env = env_with_ours(envp);
	int ret = REAL_OR(fexecve, fallback_fexecve)(fd, argv, env);
	int err = errno;
	env_free(env, envp);
	errno = err;
	return ret;
}

EXPORT int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

EXPORT int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

/* execl, execlp, execle: collect the variadic arguments into an argv. */
#define COLLECT_ARGS(arg0, ap, argv)                                 \
	size_t n_ = 1;                                               \
	va_list cp_;                                                 \
	va_copy(cp_, ap);                                            \
	while (va_arg(cp_, char *)) n_++;                            \
	va_end(cp_);                                                 \
	char *argv[n_ + 1];                                          \
	argv[0] = (char *)(arg0);                                    \
	for (size_t i_ = 1; i_ <= n_; i_++) argv[i_] = va_arg(ap, char *);

EXPORT int execl(const char *path, const char *arg, ...) {
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execve(path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg, ...) {
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execvpe(file, argv, environ);
}

EXPORT int execle(const char *path, const char *arg, ...) {
	va_list ap;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

/* posix_spawn children run a new image at once; they only need our
 * environment (glibc's own fork-less spawn runs none of our hooks). */
EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
	char **env = shim_ready() ? env_with_ours(envp) : (char **)envp;
	int ret = REAL_OR(posix_spawn, fallback_posix_spawn)(pid, path, fa, attr, argv, env);
	env_free(env, envp);
	return ret;
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
	char **env = shim_ready() ? env_with_ours(envp) : (char **)envp;
	int ret = REAL_OR(posix_spawnp, fallback_posix_spawn)(pid, file, fa, attr, argv, env);
	env_free(env, envp);
	return ret;
}

EXPORT void _exit(int status) {
	/* A clone child without TLS of its own (tstate.h): nothing of ours. */
	if (UNLIKELY(!tstate_tls_usable())) REAL_MAYBE(_exit)(status);
	if (shim_ready()) shim_flush_before_leaving();
	REAL(_exit)(status);
	__builtin_unreachable();
}

EXPORT void _Exit(int status) {
	if (UNLIKELY(!tstate_tls_usable())) REAL_MAYBE(_Exit)(status);
	if (shim_ready()) shim_flush_before_leaving();
	REAL(_Exit)(status);
	__builtin_unreachable();
}

/* Optional libc functions that the running libc may lack (bionic: see
 * android_optional.c). The shim exports a hook for each of them whatever the
 * platform, so an app that asks "is this function available?" with a weak
 * symbol finds ours; REAL_OR gives the hook the real function when there is
 * one, else a fallback that does what the platform would. */
#ifndef TCPSNITCH_ANDROID_OPTIONAL_H
#define TCPSNITCH_ANDROID_OPTIONAL_H

#include "real.h"
#include <stdint.h>

/* The real function's pointer, possibly NULL. */
#define REAL_PTR(name) REAL_MAYBE(name)
/* The real function, or fallback when the libc has none; like REAL, notes
 * when the call starts (calltime.h). */
#define REAL_OR(name, fallback) (call_mark(RID_##name), REAL_PTR(name) ? REAL_PTR(name) : (fallback))

int fallback_fdsan_close_with_tag(int fd, uint64_t tag);
int fallback_close_range(unsigned int first, unsigned int last, int flags);
void fallback_closefrom(int lowfd);
int fallback_isfdtype(int fd, int fdtype);
int fallback_sockatmark(int fd);
ssize_t fallback_recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
int fallback_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                         const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int fallback_fexecve(int fd, char *const argv[], char *const envp[]);

#endif

/* Pointers to the real libc functions the hooks forward to. Resolved the
 * first time any hook runs, which may be before our constructor (other
 * libraries' constructors can open sockets) and even from inside the
 * program's allocator while it initialises (jemalloc closes a file with
 * syscall(SYS_close) under its init lock). So resolution takes no lock and
 * allocates nothing: every pointer is resolved on its own (a hook reached
 * while the table is being filled resolves just the one it needs), and a
 * lookup of a symbol that exists does not allocate in glibc or bionic. */
#ifndef TCPSNITCH_REAL_H
#define TCPSNITCH_REAL_H

#include "shim.h"
#include "calltime.h"
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "time64.h"

#ifdef __ANDROID__
typedef __sighandler_t sighandler_t;
/* bionic's private resolver context (Java's InetAddress passes one). */
struct android_net_context;
#endif

/* The type of setrlimit's resource argument (an enum in glibc). */
#ifdef __GLIBC__
typedef __rlimit_resource_t rlim_res_t;
#else
typedef int rlim_res_t;
#endif

struct real_fns {
#define X(ret, name, params, required) ret(*name) params;
#include "real_list.h"
#undef X
};

extern struct real_fns real_fns;
/* Fills the whole table (idempotent, lock-free). */
void real_init(void);
/* The pointer at that offset of real_fns, resolved now if it is not yet. */
void *real_slow(size_t offset);

/* The libc function's pointer, NULL when this libc has none. */
#define REAL_MAYBE(name)                                                                                 \
	(LIKELY(__atomic_load_n(&real_fns.name, __ATOMIC_RELAXED) != NULL)                               \
		 ? real_fns.name                                                                         \
		 : (__typeof__(real_fns.name))real_slow(offsetof(struct real_fns, name)))
/* REAL(connect)(fd, addr, len): the libc function itself. Evaluating it
 * also notes the time the call starts (calltime.h). */
#define REAL(name) (*(call_mark(RID_##name), REAL_MAYBE(name)))
/* REAL_FD(read, fd)(fd, buf, len): REAL for the calls made on any fd. */
#define REAL_FD(name, fd) (*(call_mark_fd(RID_##name, fd), REAL_MAYBE(name)))

#endif

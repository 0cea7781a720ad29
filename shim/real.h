/* Pointers to the real libc functions the hooks forward to. Resolved once
 * (pthread_once) the first time any hook runs, which may be before our
 * constructor (other libraries' constructors can open sockets). */
#ifndef TCPSNITCH_REAL_H
#define TCPSNITCH_REAL_H

#include "shim.h"
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "time64.h"

#ifdef __ANDROID__
typedef __sighandler_t sighandler_t;
#endif

struct real_fns {
#define X(ret, name, params, required) ret(*name) params;
#include "real_list.h"
#undef X
};

extern struct real_fns real_fns;
extern bool real_ready;
void real_init(void);

/* REAL(connect)(fd, addr, len): the libc function itself. */
#define REAL(name) (*(LIKELY(real_ready) ? real_fns.name : (real_init(), real_fns.name)))

#endif

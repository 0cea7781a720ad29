#include "tstate.h"

#include <sys/syscall.h>
#include <unistd.h>

TSTATE_TLS struct tstate tcpsnitch_tstate;
#define ts tcpsnitch_tstate

pid_t tstate_tid(void) {
	if (UNLIKELY(!ts.tid)) ts.tid = (pid_t)syscall(SYS_gettid);
	return ts.tid;
}

void tstate_reset_after_fork(void) {
	ts.tid = 0;
	ts.depth = 0;
}

/* Start, fork, exec and exit of a traced process. */
#ifndef TCPSNITCH_LIFECYCLE_H
#define TCPSNITCH_LIFECYCLE_H
#include "shim.h"

/* ST_STARTING: one thread is initialising; hooks pass straight through. */
enum shim_state { ST_NEW, ST_READY, ST_DISABLED, ST_STARTING };
extern int tcpsnitch_state;
bool shim_init_once(void);

/* Initialises on first call (from a hook or our constructor); true when
 * this process is being traced. */
static inline bool shim_ready(void) {
	int st = __atomic_load_n(&tcpsnitch_state, __ATOMIC_ACQUIRE);
	if (LIKELY(st == ST_READY)) return true;
	return st == ST_DISABLED ? false : shim_init_once();
}
/* After the final flush at exit: later events are written at once. */
extern bool tcpsnitch_exiting;
static inline bool shim_exiting(void) { return __atomic_load_n(&tcpsnitch_exiting, __ATOMIC_RELAXED); }
/* Everything recorded is written now: before exec, _exit, at exit. */
void shim_flush_before_leaving(void);
/* For exec*: envp with our LD_PRELOAD and options added where the program
 * dropped them (so tracing goes on in the new image). Returns envp itself
 * when nothing is missing; else an array (mmap: async-signal-safe) to free with env_free. */
char **env_with_ours(char *const envp[]);
void env_free(char **env, char *const orig[]);
/* Installs our fatal-signal handlers (signals.c). */
void signals_init(void);
#endif

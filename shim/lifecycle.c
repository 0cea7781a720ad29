#include "lifecycle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "epoll_map.h"
#include "fdtable.h"
#include "log.h"
#include "options.h"
#include "real.h"
#include "record.h"
#include "writer.h"

extern char **environ;

int tcpsnitch_state = ST_NEW;
#define state tcpsnitch_state
bool tcpsnitch_exiting;
#define exiting tcpsnitch_exiting
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* LD_PRELOAD and TCPSNITCH_* as they were at start, to hand on across exec. */
#define SAVED_MAX 16
static char *saved_env[SAVED_MAX];
static int nsaved;

static void save_env(void) {
	for (char **e = environ; e && *e && nsaved < SAVED_MAX; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "TCPSNITCH_", 10))
			saved_env[nsaved++] = strdup(*e);
}

/* In the child of a fork: fresh locks (whatever the parent's threads held
 * stays held in the parent only), a new process directory, and each
 * inherited socket restarted with a forked_socket event. */
static void atfork_child(void) {
	if (state != ST_READY) return;
	tstate_reset_after_fork();
	log_reset_after_fork();
	writer_reset_after_fork();
	socks_reset_after_fork();
	capture_reset_after_fork();
	epoll_map_reset_after_fork();
	fdt_fork_child();
}

static void init(void) {
	int saved = errno;
	real_init();
	options_load();
	if (!opt.dir[0]) {
		state = ST_DISABLED;
		errno = saved;
		return;
	}
	save_env();
	pthread_atfork(NULL, NULL, atfork_child);
	signals_init();
	__atomic_store_n(&state, ST_READY, __ATOMIC_RELEASE);
	slog(LOG_DEBUG, "shim %s (%s) loaded in pid %d", TCPSNITCH_VERSION, TCPSNITCH_GIT_HASH, (int)getpid());
	errno = saved;
}

bool shim_init_once(void) {
	pthread_once(&once, init);
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ST_READY;
}

void shim_flush_before_leaving(void) {
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_READY) return;
	writer_flush_all(true);
	writer_summary();
}

__attribute__((constructor)) static void shim_constructor(void) { shim_ready(); }

__attribute__((destructor)) static void shim_destructor(void) {
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ST_READY) return;
	capture_stop_all();
	shim_flush_before_leaving();
	exiting = true;
}

static bool env_has(char *const envp[], const char *entry) {
	size_t k = strchr(entry, '=') - entry + 1;
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, entry, k)) return true;
	return false;
}

char **env_with_ours(char *const envp[]) {
	if (!nsaved) return (char **)envp;
	int missing = 0, n = 0;
	for (int i = 0; i < nsaved; i++) missing += !env_has(envp, saved_env[i]);
	if (!missing) return (char **)envp;
	for (char *const *e = envp; e && *e; e++) n++;
	char **out = malloc((size_t)(n + missing + 1) * sizeof *out);
	if (!out) return (char **)envp;
	int k = 0;
	for (int i = 0; i < n; i++) out[k++] = envp[i];
	for (int i = 0; i < nsaved; i++)
		if (!env_has(envp, saved_env[i])) out[k++] = saved_env[i];
	out[k] = NULL;
	return out;
}

void env_free(char **env, char *const orig[]) {
	if (env != (char **)orig) free(env);
}

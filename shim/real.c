/* Resolves the real libc functions behind every hook (see real_list.h). */
#ifdef __ANDROID__
/* Our ioctl(int, int, ...) must not meet bionic's unsigned overload. */
#define BIONIC_IOCTL_NO_SIGNEDNESS_OVERLOAD
#endif
#include "real.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct real_fns real_fns;
bool real_ready;

/* Our own exported symbol of the same name: if dlsym(RTLD_NEXT) hands it back,
 * calling it would recurse forever. */
static void die(const char *what, const char *name) {
	/* No stdio, no logger and not our own write(): that hook would wait for
	 * the resolution under way here. */
	ssize_t (*wr)(int, const void *, size_t) = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	static const char pre[] = "tcpsnitch: fatal: ";
	if (wr) {
		(void)!wr(2, pre, sizeof(pre) - 1);
		(void)!wr(2, what, strlen(what));
		(void)!wr(2, name, strlen(name));
		(void)!wr(2, "\n", 1);
	}
	abort();
}

static void *resolve(const char *name, void *self, bool required) {
	void *p = dlsym(RTLD_NEXT, name);
	if (!p && required) die("cannot resolve libc function ", name);
	if (p && p == self) die("resolved to the hook itself: ", name);
	return p;
}

/* Declarations of our hooks, so resolve() can compare against them. */
#define X(ret, name, params, required) extern ret name params;
#include "real_list.h"
#undef X

static void resolve_all(void) {
#define X(ret, name, params, required) \
	real_fns.name = (ret(*) params)resolve(#name, (void *)&name, required);
#include "real_list.h"
#undef X
	__atomic_store_n(&real_ready, true, __ATOMIC_RELEASE);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

void real_init(void) { pthread_once(&once, resolve_all); }

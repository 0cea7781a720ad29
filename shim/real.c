/* Resolves the real libc functions behind every hook (see real_list.h). */
#ifdef __ANDROID__
/* Our ioctl(int, int, ...) must not meet bionic's unsigned overload. */
#define BIONIC_IOCTL_NO_SIGNEDNESS_OVERLOAD
#endif
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tstate.h"

struct real_fns real_fns;

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

/* Declarations of our hooks, so resolve() can compare against them. */
#define X(ret, name, params, required) extern ret name params;
#include "real_list.h"
#undef X

/* One entry per member of real_fns, in the same order. */
static const struct entry {
	const char *name;
	void *self;
	size_t offset;
	bool required;
} entries[] = {
#define X(ret, name, params, required) {#name, (void *)&name, offsetof(struct real_fns, name), required},
#include "real_list.h"
#undef X
};

/* Resolved once and for all: missing optional symbols are not looked up
 * again (a failed dlsym allocates its error text). */
static bool tried[ARRAY_LEN(entries)];

static void *resolve(size_t i) {
	const struct entry *e = &entries[i];
	void **slot = (void **)((char *)&real_fns + e->offset);
	void *p = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (p || __atomic_load_n(&tried[i], __ATOMIC_RELAXED)) return p;
	p = dlsym(RTLD_NEXT, e->name);
	if (!p && e->required) die("cannot resolve libc function ", e->name);
	if (p && p == e->self) die("resolved to the hook itself: ", e->name);
	__atomic_store_n(slot, p, __ATOMIC_RELAXED);
	__atomic_store_n(&tried[i], true, __ATOMIC_RELAXED);
	return p;
}

void real_init(void) {
	/* Two threads may both fill the table: they store the same values. */
	for (size_t i = 0; i < ARRAY_LEN(entries); i++) resolve(i);
}

void *real_slow(size_t offset) {
	for (size_t i = 0; i < ARRAY_LEN(entries); i++)
		if (entries[i].offset == offset) return resolve(i);
	return NULL;
}

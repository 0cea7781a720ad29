#include "extra.h"

#include <stdlib.h>

#include "event.h"
#include "record.h"

static long slots_of(size_t bytes) { return (long)((bytes + sizeof(struct event) - 1) / sizeof(struct event)); }

void *extra_alloc(size_t bytes) {
	void *p = malloc(bytes);
	/* record() checks the bound after appending the event. */
	if (p) __atomic_add_fetch(&pending_slots, slots_of(bytes), __ATOMIC_RELAXED);
	return p;
}

void extra_free(void *p, uint32_t len) {
	if (!p) return;
	free(p);
	__atomic_sub_fetch(&pending_slots, slots_of(len), __ATOMIC_RELAXED);
}

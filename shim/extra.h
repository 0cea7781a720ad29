/* Heap blocks hung on events (event.extra: iovec sizes past the inline
 * ones, mmsghdr entries) count against the memory bound as the event slots
 * their bytes would fill, from allocation until the writer frees them. */
#ifndef TCPSNITCH_EXTRA_H
#define TCPSNITCH_EXTRA_H

#include "shim.h"

/* NULL when malloc fails (the event goes without its extra). */
void *extra_alloc(size_t bytes);
/* The writer, once the event is written; len is event.extra_len. */
void extra_free(void *p, uint32_t len);

#endif

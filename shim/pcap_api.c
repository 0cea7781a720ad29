#include "pcap_api.h"

#ifdef TCPSNITCH_PCAP_DLOPEN

#include <dlfcn.h>
#include <pthread.h>

#include "log.h"

struct pcap_api pcap_api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;

static void load(void) {
	/* Debian and Ubuntu name it .so.0.8, other distributions .so.1. */
	static const char *const names[] = {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so"};
	void *h = NULL;
	for (unsigned i = 0; !h && i < sizeof names / sizeof names[0]; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		slog(LOG_WARN, "packet capture (-c): cannot load libpcap (%s): tracing continues without .pcap files",
		     dlerror());
		return;
	}
	struct pcap_api t;
#define X(ret, name, args) \
	if (!(*(void **)&t.name = dlsym(h, #name))) { \
		slog(LOG_WARN, "packet capture (-c): libpcap lacks %s: tracing continues without .pcap files", #name); \
		return; \
	}
	PCAP_FUNCS(X)
#undef X
	pcap_api = t;
	loaded = true;
}

bool pcap_api_load(void) {
	pthread_once(&once, load);
	return loaded;
}

#else

struct pcap_api pcap_api = {
#define X(ret, name, args) .name = name,
    PCAP_FUNCS(X)
#undef X
};

bool pcap_api_load(void) { return true; }

#endif

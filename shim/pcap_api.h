/* The libpcap functions capture.c calls, through one table: linked in
 * statically (Android and the ndk/ targets: static libpcap), or, in the
 * build against the system's shared libpcap (TCPSNITCH_PCAP_DLOPEN), loaded
 * with dlopen the first time -c needs them. Linking the system libpcap made
 * every traced process load it and the ten libraries it pulls in (dbus,
 * systemd, gcrypt, …): ~2 ms and ~170 page faults at each exec, for a
 * feature most runs do not use. */
#ifndef TCPSNITCH_PCAP_API_H
#define TCPSNITCH_PCAP_API_H

#include <pcap/pcap.h>
#include <stdbool.h>

#define PCAP_FUNCS(X) \
	X(pcap_t *, pcap_create, (const char *, char *)) \
	X(int, pcap_set_snaplen, (pcap_t *, int)) \
	X(int, pcap_set_promisc, (pcap_t *, int)) \
	X(int, pcap_set_immediate_mode, (pcap_t *, int)) \
	X(int, pcap_set_buffer_size, (pcap_t *, int)) \
	X(int, pcap_activate, (pcap_t *)) \
	X(int, pcap_datalink, (pcap_t *)) \
	X(int, pcap_setnonblock, (pcap_t *, int, char *)) \
	X(int, pcap_get_selectable_fd, (pcap_t *)) \
	X(int, pcap_dispatch, (pcap_t *, int, pcap_handler, u_char *)) \
	X(int, pcap_stats, (pcap_t *, struct pcap_stat *)) \
	X(char *, pcap_geterr, (pcap_t *)) \
	X(const char *, pcap_statustostr, (int)) \
	X(void, pcap_close, (pcap_t *))

struct pcap_api {
#define X(ret, name, args) ret(*name) args;
	PCAP_FUNCS(X)
#undef X
};
extern struct pcap_api pcap_api;

/* PCAP(pcap_create)("any", err) */
#define PCAP(name) (pcap_api.name)

/* Whether the table is usable (loads libpcap once if needed). */
bool pcap_api_load(void);

#endif

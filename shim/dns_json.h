/* Name resolution records: one JSON line per lookup in <process dir>/dns.json,
 * in the event shape of N.json (type, timestamp_usec, duration_nsec,
 * return_value, success, errno, thread_id, fake_call, details). Lookups are
 * rare and slow (a millisecond or more), so a line is formatted and appended
 * by the calling thread at once rather than through the writer. */
#ifndef TCPSNITCH_DNS_JSON_H
#define TCPSNITCH_DNS_JSON_H

#include <netdb.h>

#include "json_writer.h"

/* Starts a line: the common keys and an open "details" object. err_name is
 * NULL when the lookup succeeded. */
void dns_begin(struct jw *w, struct outbuf *o, const char *fn, int64_t start_nsec, int64_t end_nsec, int64_t ret,
	       const char *err_name);
/* Closes details and the line and appends it to dns.json. */
void dns_end(struct jw *w, struct outbuf *o);

/* {"sa_family", "ip"[, "port"]} of a sockaddr (port as text, as in addr). */
void dns_sockaddr(struct jw *w, const char *key, const struct sockaddr *sa, socklen_t len);
/* {"sa_family", "ip"} of an address without a port (a hostent's). */
void dns_ip(struct jw *w, const char *key, const struct sockaddr *sa, socklen_t len);
/* The addresses of an addrinfo list, each with its socket type and protocol. */
void dns_addrinfo_list(struct jw *w, const struct addrinfo *ai);
/* hints: family, socket type, protocol and AI_* flags. */
void dns_hints(struct jw *w, const struct addrinfo *h);
/* The addresses and official name of a hostent. */
void dns_hostent(struct jw *w, const struct hostent *h);

const char *eai_name(int code, char *buf, size_t len);   /* EAI_NONAME, ... */
const char *herrno_name(int code, char *buf, size_t len); /* HOST_NOT_FOUND, ... */

#endif

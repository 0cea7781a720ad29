#include "dns_json.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "ownfd.h"
#include "real.h"
#include "tstate.h"
#include "writer.h"

void dns_begin(struct jw *w, struct outbuf *o, const char *fn, int64_t start_nsec, int64_t end_nsec, int64_t ret,
	       const char *err_name) {
	jw_init(w, o);
	jw_obj_begin(w, NULL);
	jw_name(w, "type", fn);
	jw_int(w, "timestamp_usec", end_nsec / 1000);
	jw_int(w, "duration_nsec", end_nsec > start_nsec ? end_nsec - start_nsec : 0);
	jw_int(w, "return_value", ret);
	jw_bool(w, "success", err_name == NULL);
	if (err_name) jw_name(w, "errno", err_name);
	jw_int(w, "thread_id", tstate_tid());
	jw_bool(w, "fake_call", false);
	jw_obj_begin(w, "details");
}

void dns_end(struct jw *w, struct outbuf *o) {
	jw_obj_end(w);
	jw_obj_end(w);
	outbuf_add(o, "\n", 1);
	const char *dir = procdir_get();
	if (!dir || !o->p) return;
	char path[800];
	snprintf(path, sizeof path, "%s/dns.json", dir);
	/* One write per line on an O_APPEND file: lines of concurrent lookups
	 * (threads, processes sharing nothing) never interleave. */
	/* An fd of the shim's own, out of the program's way (ownfd.h). */
	struct ownfile f;
	if (!ownfile_open(&f, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) return;
	ownfile_write(&f, o->p, o->len);
	ownfile_close(&f);
}

static void ip_fields(struct jw *w, int family, const void *ip) {
	char buf[16], text[INET6_ADDRSTRLEN] = "";
	jw_name(w, "sa_family", domain_name(family, buf, sizeof buf));
	if (inet_ntop(family, ip, text, sizeof text)) jw_name(w, "ip", text);
}

/* The fields of a sockaddr into an open object: {"sa_family", "ip", "port"}. */
static void sockaddr_fields(struct jw *w, const struct sockaddr *sa, socklen_t len) {
	char port[8];
	if (sa && sa->sa_family == AF_INET && (size_t)len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;
		ip_fields(w, AF_INET, &in->sin_addr);
		snprintf(port, sizeof port, "%u", ntohs(in->sin_port));
		jw_name(w, "port", port);
	} else if (sa && sa->sa_family == AF_INET6 && (size_t)len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		ip_fields(w, AF_INET6, &in6->sin6_addr);
		snprintf(port, sizeof port, "%u", ntohs(in6->sin6_port));
		jw_name(w, "port", port);
	} else {
		/* Another family, or too short to read: the family alone
		 * (AF_UNSPEC when there is not even that). */
		char buf[16];
		int family = sa && (size_t)len >= sizeof(sa_family_t) ? sa->sa_family : AF_UNSPEC;
		jw_name(w, "sa_family", domain_name(family, buf, sizeof buf));
	}
}

void dns_sockaddr(struct jw *w, const char *key, const struct sockaddr *sa, socklen_t len) {
	jw_obj_begin(w, key);
	sockaddr_fields(w, sa, len);
	jw_obj_end(w);
}

void dns_ip(struct jw *w, const char *key, const struct sockaddr *sa, socklen_t len) {
	jw_obj_begin(w, key);
	if (sa && sa->sa_family == AF_INET && (size_t)len >= sizeof(struct sockaddr_in))
		ip_fields(w, AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	else if (sa && sa->sa_family == AF_INET6 && (size_t)len >= sizeof(struct sockaddr_in6))
		ip_fields(w, AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	jw_obj_end(w);
}

void dns_addrinfo_list(struct jw *w, const struct addrinfo *ai) {
	char buf[16];
	jw_arr_begin(w, "addresses");
	for (int n = 0; ai && n < 256; ai = ai->ai_next, n++) {
		jw_obj_begin(w, NULL);
		sockaddr_fields(w, ai->ai_addr, ai->ai_addrlen);
		jw_name(w, "type", socktype_name(ai->ai_socktype, buf, sizeof buf));
		jw_name(w, "protocol", protocol_name(ai->ai_protocol, buf, sizeof buf));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void dns_hints(struct jw *w, const struct addrinfo *h) {
	char buf[16];
	jw_obj_begin(w, "hints");
	jw_name(w, "ai_family", domain_name(h->ai_family, buf, sizeof buf));
	jw_name(w, "ai_socktype", socktype_name(h->ai_socktype, buf, sizeof buf));
	jw_name(w, "ai_protocol", protocol_name(h->ai_protocol, buf, sizeof buf));
	jw_obj_begin(w, "ai_flags");
	jw_bool(w, "AI_PASSIVE", h->ai_flags & AI_PASSIVE);
	jw_bool(w, "AI_CANONNAME", h->ai_flags & AI_CANONNAME);
	jw_bool(w, "AI_NUMERICHOST", h->ai_flags & AI_NUMERICHOST);
	jw_bool(w, "AI_NUMERICSERV", h->ai_flags & AI_NUMERICSERV);
	jw_bool(w, "AI_V4MAPPED", h->ai_flags & AI_V4MAPPED);
	jw_bool(w, "AI_ALL", h->ai_flags & AI_ALL);
	jw_bool(w, "AI_ADDRCONFIG", h->ai_flags & AI_ADDRCONFIG);
	jw_obj_end(w);
	jw_obj_end(w);
}

void dns_hostent(struct jw *w, const struct hostent *h) {
	jw_arr_begin(w, "addresses");
	int family = h->h_addrtype;
	bool known = (family == AF_INET && h->h_length == 4) || (family == AF_INET6 && h->h_length == 16);
	for (int n = 0; known && h->h_addr_list && h->h_addr_list[n] && n < 256; n++) {
		jw_obj_begin(w, NULL);
		ip_fields(w, family, h->h_addr_list[n]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (h->h_name) jw_str(w, "canonname", h->h_name);
}

#define NAME(c) case c: return #c
const char *eai_name(int code, char *buf, size_t len) {
	switch (code) {
	NAME(EAI_BADFLAGS); NAME(EAI_NONAME); NAME(EAI_AGAIN); NAME(EAI_FAIL); NAME(EAI_FAMILY);
	NAME(EAI_SOCKTYPE); NAME(EAI_SERVICE); NAME(EAI_MEMORY); NAME(EAI_SYSTEM); NAME(EAI_OVERFLOW);
#ifdef EAI_NODATA
	NAME(EAI_NODATA);
#endif
#ifdef EAI_ADDRFAMILY
	NAME(EAI_ADDRFAMILY);
#endif
	default: snprintf(buf, len, "%d", code); return buf;
	}
}

const char *herrno_name(int code, char *buf, size_t len) {
	switch (code) {
	NAME(HOST_NOT_FOUND); NAME(TRY_AGAIN); NAME(NO_RECOVERY); NAME(NO_DATA);
	default: snprintf(buf, len, "%d", code); return buf;
	}
}

/* Hooks: name resolution (getaddrinfo, gethostbyname*, gethostbyaddr,
 * getnameinfo; on Android also the android_getaddrinfofornet* entry points
 * that Java's InetAddress uses). glibc's resolver makes its socket calls
 * inside libc, where no hook sees them: without these records a trace
 * shows connect() to an address and never the name behind it. Each lookup
 * becomes one line of <process dir>/dns.json (dns_json.h). res_query and
 * res_search are left out: few programs call them, and glibc reaches them
 * under other symbol names (__res_query). */
#include <netinet/in.h>
#include <string.h>

#include "dns_json.h"
#include "names.h"
#include "real.h"
#include "record.h"

/* Lookup hooks running in this thread: a lookup that libc makes through
 * an exported entry point of its own (bionic's getaddrinfo calls
 * android_getaddrinfofornetcontext) is the same lookup, recorded once. */
static TSTATE_TLS int dns_depth;

/* Whether this call is recorded; always paired with dns_leave(). */
static bool dns_enter(void) { return dns_depth++ == 0 && tracing_active(); }
static void dns_leave(void) { dns_depth--; }

/* Formats and appends one line with the shim's own calls untraced. */
struct dns_line {
	struct outbuf o;
	struct jw w;
	int was_in_shim;
};

static void line_begin(struct dns_line *l, const char *fn, int64_t t0, int64_t t1, int64_t ret, const char *err) {
	l->was_in_shim = tstate_get()->in_shim;
	tstate_get()->in_shim = 1;
	memset(&l->o, 0, sizeof l->o);
	dns_begin(&l->w, &l->o, fn, t0, t1, ret, err);
}

static void line_end(struct dns_line *l) {
	dns_end(&l->w, &l->o);
	free(l->o.p);
	tstate_get()->in_shim = l->was_in_shim;
}

/* ---- getaddrinfo and its Android variants ---- */

/* netid < 0: the variant has none. err: errno after the call (EAI_SYSTEM). */
static void record_gai(const char *fn, const char *name, const char *service, const struct addrinfo *hints,
		       long long netid, int ret, struct addrinfo **res, int64_t t0, int err) {
	int64_t t1 = now_nsec();
	char buf[24];
	struct dns_line l;
	line_begin(&l, fn, t0, t1, ret, ret == 0 ? NULL : eai_name(ret, buf, sizeof buf));
	if (name) jw_str(&l.w, "name", name);
	if (service) jw_str(&l.w, "service", service);
	if (hints) dns_hints(&l.w, hints);
	if (netid >= 0) jw_int(&l.w, "netid", netid);
	if (ret == EAI_SYSTEM) jw_name(&l.w, "system_errno", errno_name(err, buf, sizeof buf));
	const struct addrinfo *ai = ret == 0 && res ? *res : NULL;
	dns_addrinfo_list(&l.w, ai);
	if (ai && ai->ai_canonname) jw_str(&l.w, "canonname", ai->ai_canonname);
	line_end(&l);
}

EXPORT int getaddrinfo(const char *name, const char *service, const struct addrinfo *hints, struct addrinfo **res) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(getaddrinfo)(name, service, hints, res);
	int err = errno;
	if (rec) record_gai("getaddrinfo", name, service, hints, -1, ret, res, t0, err);
	dns_leave();
	errno = err;
	return ret;
}

#ifdef __ANDROID__
EXPORT int android_getaddrinfofornet(const char *name, const char *service, const struct addrinfo *hints,
				     unsigned netid, unsigned mark, struct addrinfo **res) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(android_getaddrinfofornet)(name, service, hints, netid, mark, res);
	int err = errno;
	if (rec) record_gai("android_getaddrinfofornet", name, service, hints, netid, ret, res, t0, err);
	dns_leave();
	errno = err;
	return ret;
}

EXPORT int android_getaddrinfofornetcontext(const char *name, const char *service, const struct addrinfo *hints,
					    const struct android_net_context *ctx, struct addrinfo **res) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(android_getaddrinfofornetcontext)(name, service, hints, ctx, res);
	int err = errno;
	/* The context's layout is bionic's private business: not read. */
	if (rec) record_gai("android_getaddrinfofornetcontext", name, service, hints, -1, ret, res, t0, err);
	dns_leave();
	errno = err;
	return ret;
}
#endif

/* ---- gethostbyname*, gethostbyaddr ---- */

struct hostent_call {
	const char *fn;
	const char *name;     /* forward lookups */
	int family;           /* gethostbyname2*: the family asked; -1 otherwise */
	const void *addr;     /* gethostbyaddr */
	socklen_t addr_len;
	int addr_type;
};

/* ret: what the call returned (1/0 for a hostent pointer, the int of the
 * _r variants); h: the result or NULL; err_name: NULL on success. */
static void record_hostent(const struct hostent_call *c, int64_t ret, const struct hostent *h, const char *err_name,
			   int64_t t0) {
	int64_t t1 = now_nsec();
	struct dns_line l;
	char buf[16];
	line_begin(&l, c->fn, t0, t1, ret, err_name);
	if (c->name) jw_str(&l.w, "name", c->name);
	if (c->family >= 0) jw_name(&l.w, "family", domain_name(c->family, buf, sizeof buf));
	if (c->addr) {
		struct sockaddr_storage ss;
		memset(&ss, 0, sizeof ss);
		socklen_t len = 0;
		if (c->addr_type == AF_INET && c->addr_len >= 4) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			in->sin_family = AF_INET;
			memcpy(&in->sin_addr, c->addr, 4);
			len = sizeof *in;
		} else if (c->addr_type == AF_INET6 && c->addr_len >= 16) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, c->addr, 16);
			len = sizeof *in6;
		}
		dns_ip(&l.w, "addr", len ? (struct sockaddr *)&ss : NULL, len);
	}
	if (h) dns_hostent(&l.w, h);
	else jw_arr_begin(&l.w, "addresses"), jw_arr_end(&l.w);
	line_end(&l);
}

/* The pointer-returning forms: failure is a NULL result and h_errno. */
static struct hostent *hostent_done(const struct hostent_call *c, struct hostent *h, int herr, int64_t t0) {
	char buf[16];
	record_hostent(c, h != NULL, h, h ? NULL : herrno_name(herr, buf, sizeof buf), t0);
	return h;
}

EXPORT struct hostent *gethostbyname(const char *name) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	struct hostent *h = REAL(gethostbyname)(name);
	int err = errno, herr = h_errno;
	struct hostent_call c = {"gethostbyname", name, -1, NULL, 0, 0};
	if (rec) hostent_done(&c, h, herr, t0);
	dns_leave();
	errno = err;
	h_errno = herr;
	return h;
}

EXPORT struct hostent *gethostbyname2(const char *name, int af) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	struct hostent *h = REAL(gethostbyname2)(name, af);
	int err = errno, herr = h_errno;
	struct hostent_call c = {"gethostbyname2", name, af, NULL, 0, 0};
	if (rec) hostent_done(&c, h, herr, t0);
	dns_leave();
	errno = err;
	h_errno = herr;
	return h;
}

EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	struct hostent *h = REAL(gethostbyaddr)(addr, len, type);
	int err = errno, herr = h_errno;
	struct hostent_call c = {"gethostbyaddr", NULL, -1, addr, len, type};
	if (rec) hostent_done(&c, h, herr, t0);
	dns_leave();
	errno = err;
	h_errno = herr;
	return h;
}

/* The _r forms return 0 or an errno (ERANGE: buffer too small); a name
 * not found is 0 with a NULL *result and *h_errnop set. */
static void hostent_r_done(const struct hostent_call *c, int ret, struct hostent **result, const int *h_errnop,
			   int64_t t0) {
	char buf[24];
	const struct hostent *h = result ? *result : NULL;
	const char *err = NULL;
	if (ret != 0) err = errno_name(ret, buf, sizeof buf);
	else if (!h) err = herrno_name(h_errnop ? *h_errnop : 0, buf, sizeof buf);
	record_hostent(c, ret, ret == 0 ? h : NULL, err, t0);
}

EXPORT int gethostbyname_r(const char *name, struct hostent *ret_h, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(gethostbyname_r)(name, ret_h, buf, buflen, result, h_errnop);
	int err = errno;
	struct hostent_call c = {"gethostbyname_r", name, -1, NULL, 0, 0};
	if (rec) hostent_r_done(&c, ret, result, h_errnop, t0);
	dns_leave();
	errno = err;
	return ret;
}

EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret_h, char *buf, size_t buflen,
			    struct hostent **result, int *h_errnop) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(gethostbyname2_r)(name, af, ret_h, buf, buflen, result, h_errnop);
	int err = errno;
	struct hostent_call c = {"gethostbyname2_r", name, af, NULL, 0, 0};
	if (rec) hostent_r_done(&c, ret, result, h_errnop, t0);
	dns_leave();
	errno = err;
	return ret;
}

EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret_h, char *buf,
			   size_t buflen, struct hostent **result, int *h_errnop) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(gethostbyaddr_r)(addr, len, type, ret_h, buf, buflen, result, h_errnop);
	int err = errno;
	struct hostent_call c = {"gethostbyaddr_r", NULL, -1, addr, len, type};
	if (rec) hostent_r_done(&c, ret, result, h_errnop, t0);
	dns_leave();
	errno = err;
	return ret;
}

/* ---- getnameinfo ---- */

static void record_gni(const struct sockaddr *sa, socklen_t salen, const char *host, NI_LEN_T hostlen,
		       const char *serv, NI_LEN_T servlen, int flags, int ret, int64_t t0, int err) {
	int64_t t1 = now_nsec();
	char buf[24];
	struct dns_line l;
	line_begin(&l, "getnameinfo", t0, t1, ret, ret == 0 ? NULL : eai_name(ret, buf, sizeof buf));
	dns_sockaddr(&l.w, "addr", sa, salen);
	jw_obj_begin(&l.w, "flags");
	jw_bool(&l.w, "NI_NUMERICHOST", flags & NI_NUMERICHOST);
	jw_bool(&l.w, "NI_NUMERICSERV", flags & NI_NUMERICSERV);
	jw_bool(&l.w, "NI_NOFQDN", flags & NI_NOFQDN);
	jw_bool(&l.w, "NI_NAMEREQD", flags & NI_NAMEREQD);
	jw_bool(&l.w, "NI_DGRAM", flags & NI_DGRAM);
	jw_obj_end(&l.w);
	if (ret == EAI_SYSTEM) jw_name(&l.w, "system_errno", errno_name(err, buf, sizeof buf));
	if (ret == 0 && host && hostlen) jw_str(&l.w, "host", host);
	if (ret == 0 && serv && servlen) jw_str(&l.w, "service", serv);
	line_end(&l);
}

EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, NI_LEN_T hostlen, char *serv,
		       NI_LEN_T servlen, int flags) {
	bool rec = dns_enter();
	int64_t t0 = rec ? now_nsec() : 0;
	int ret = REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	int err = errno;
	if (rec) record_gni(sa, salen, host, hostlen, serv, servlen, flags, ret, t0, err);
	dns_leave();
	errno = err;
	return ret;
}

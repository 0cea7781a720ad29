#include "addr.h"

#include <netinet/in.h>
#include <string.h>

void addr_from_sockaddr(struct ev_addr *out, const struct sockaddr *addr, socklen_t len) {
	memset(out, 0, sizeof *out);
	if (!addr || (size_t)len < sizeof(sa_family_t)) return; /* socklen_t is signed on bionic */
	out->family = addr->sa_family;
	if (addr->sa_family == AF_INET && (size_t)len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)addr;
		memcpy(out->ip, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
	} else if (addr->sa_family == AF_INET6 && (size_t)len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)addr;
		memcpy(out->ip, &in6->sin6_addr, 16);
		out->port = ntohs(in6->sin6_port);
	} else if (addr->sa_family == AF_INET || addr->sa_family == AF_INET6) {
		out->family = 0xffff; /* too short to read: the call failed with EINVAL */
	}
}

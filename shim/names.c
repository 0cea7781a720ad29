#include "names.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

struct name {
	long value;
	const char *name;
};
#define N(c) {c, #c}

static const char *lookup(const struct name *t, size_t n, long v, char *buf, size_t len) {
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v) return t[i].name;
	snprintf(buf, len, "%ld", v);
	return buf;
}
#define LOOKUP(t, v) lookup(t, ARRAY_LEN(t), (long)(v), buf, len)

const char *errno_name(int err, char *buf, size_t len) {
	static const struct name t[] = {
	    N(EPERM), N(ENOENT), N(EINTR), N(EIO), N(ENXIO), N(E2BIG), N(EBADF), N(EAGAIN),
	    N(ENOMEM), N(EACCES), N(EFAULT), N(EBUSY), N(EEXIST), N(ENODEV), N(ENOTDIR),
	    N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE), N(ENOTTY), N(EFBIG), N(ENOSPC),
	    N(ESPIPE), N(EROFS), N(EPIPE), N(ERANGE), N(ENOSYS), N(ENOTSOCK), N(EDESTADDRREQ),
	    N(EMSGSIZE), N(EPROTOTYPE), N(ENOPROTOOPT), N(EPROTONOSUPPORT),
	    N(ESOCKTNOSUPPORT), N(EOPNOTSUPP), N(EPFNOSUPPORT), N(EAFNOSUPPORT),
	    N(EADDRINUSE), N(EADDRNOTAVAIL), N(ENETDOWN), N(ENETUNREACH), N(ENETRESET),
	    N(ECONNABORTED), N(ECONNRESET), N(ENOBUFS), N(EISCONN), N(ENOTCONN),
	    N(ESHUTDOWN), N(ETIMEDOUT), N(ECONNREFUSED), N(EHOSTDOWN), N(EHOSTUNREACH),
	    N(EALREADY), N(EINPROGRESS), N(ENOTSUP), N(EOVERFLOW), N(ECANCELED)};
	/* EWOULDBLOCK == EAGAIN and ENOTSUP == EOPNOTSUPP on Linux: the first wins. */
	return LOOKUP(t, err);
}

const char *domain_name(int domain, char *buf, size_t len) {
	static const struct name t[] = {N(AF_INET), N(AF_INET6), N(AF_UNIX), N(AF_UNSPEC),
					N(AF_NETLINK), N(AF_PACKET)};
	return LOOKUP(t, domain);
}

const char *socktype_name(int type, char *buf, size_t len) {
	static const struct name t[] = {N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_RAW),
					N(SOCK_SEQPACKET), N(SOCK_RDM)};
	return LOOKUP(t, type);
}

const char *sockopt_level_name(int level, char *buf, size_t len) {
	/* The original's names (SOL_*, not IPPROTO_*: the same numbers). */
	static const struct name t[] = {N(SOL_SOCKET), {IPPROTO_TCP, "SOL_TCP"}, {IPPROTO_UDP, "SOL_UDP"},
					{IPPROTO_IP, "SOL_IP"}, {IPPROTO_IPV6, "SOL_IPV6"},
					{IPPROTO_ICMPV6, "SOL_ICMPV6"}, {IPPROTO_RAW, "SOL_RAW"}};
	return LOOKUP(t, level);
}

const char *sockopt_name(int level, int optname, char *buf, size_t len) {
	static const struct name sol[] = {
	    N(SO_DEBUG), N(SO_REUSEADDR), N(SO_TYPE), N(SO_ERROR), N(SO_DONTROUTE),
	    N(SO_BROADCAST), N(SO_SNDBUF), N(SO_RCVBUF), N(SO_SNDBUFFORCE), N(SO_RCVBUFFORCE),
	    N(SO_KEEPALIVE), N(SO_OOBINLINE), N(SO_NO_CHECK), N(SO_PRIORITY), N(SO_LINGER),
	    N(SO_BSDCOMPAT), N(SO_REUSEPORT), N(SO_PASSCRED), N(SO_PEERCRED), N(SO_RCVLOWAT),
	    N(SO_SNDLOWAT), N(SO_RCVTIMEO), N(SO_SNDTIMEO), N(SO_BINDTODEVICE),
	    N(SO_TIMESTAMP), N(SO_ACCEPTCONN), N(SO_MARK), N(SO_PROTOCOL), N(SO_DOMAIN)};
	static const struct name tcp[] = {
	    N(TCP_NODELAY), N(TCP_MAXSEG), N(TCP_CORK), N(TCP_KEEPIDLE), N(TCP_KEEPINTVL),
	    N(TCP_KEEPCNT), N(TCP_SYNCNT), N(TCP_LINGER2), N(TCP_DEFER_ACCEPT),
	    N(TCP_WINDOW_CLAMP), N(TCP_INFO), N(TCP_QUICKACK), N(TCP_CONGESTION),
	    N(TCP_USER_TIMEOUT), N(TCP_FASTOPEN), N(TCP_NOTSENT_LOWAT)};
	static const struct name ip[] = {N(IP_TOS), N(IP_TTL), N(IP_HDRINCL), N(IP_OPTIONS),
					 N(IP_RECVERR), N(IP_MTU_DISCOVER), N(IP_MULTICAST_IF),
					 N(IP_MULTICAST_TTL), N(IP_MULTICAST_LOOP),
					 N(IP_ADD_MEMBERSHIP), N(IP_DROP_MEMBERSHIP), N(IP_PKTINFO),
					 N(IP_FREEBIND), N(IP_TRANSPARENT)};
	static const struct name ip6[] = {N(IPV6_V6ONLY), N(IPV6_UNICAST_HOPS),
					  N(IPV6_MULTICAST_IF), N(IPV6_MULTICAST_HOPS),
					  N(IPV6_MULTICAST_LOOP), N(IPV6_RECVERR), N(IPV6_TCLASS),
					  N(IPV6_RECVPKTINFO), N(IPV6_MTU_DISCOVER)};
	switch (level) {
	case SOL_SOCKET: return LOOKUP(sol, optname);
	case IPPROTO_TCP: return LOOKUP(tcp, optname);
	case IPPROTO_IP: return LOOKUP(ip, optname);
	case IPPROTO_IPV6: return LOOKUP(ip6, optname);
	default: snprintf(buf, len, "%d", optname); return buf;
	}
}

const char *ioctl_name(unsigned long request, char *buf, size_t len) {
	static const struct name t[] = {
	    N(FIONREAD), N(FIONBIO), N(FIOASYNC), N(FIOCLEX), N(FIONCLEX), N(SIOCATMARK),
	    N(SIOCOUTQ), N(SIOCINQ), N(SIOCGIFCONF), N(SIOCGIFFLAGS), N(SIOCGIFADDR),
	    N(SIOCGIFINDEX), N(SIOCGIFMTU), N(SIOCGIFHWADDR), N(SIOCGIFNAME), N(SIOCGSTAMP),
	    N(SIOCGIFNETMASK), N(SIOCGIFBRDADDR), N(TIOCOUTQ)};
	return LOOKUP(t, request);
}

const char *fcntl_cmd_name(int cmd, char *buf, size_t len) {
	static const struct name t[] = {
	    N(F_DUPFD), N(F_DUPFD_CLOEXEC), N(F_GETFD), N(F_SETFD), N(F_GETFL), N(F_SETFL),
	    N(F_GETLK), N(F_SETLK), N(F_SETLKW), N(F_GETOWN), N(F_SETOWN), N(F_GETSIG),
	    N(F_SETSIG), N(F_SETLEASE), N(F_GETLEASE), N(F_NOTIFY), N(F_SETPIPE_SZ),
	    N(F_GETPIPE_SZ)};
	return LOOKUP(t, cmd);
}

const char *epoll_op_name(int op, char *buf, size_t len) {
	static const struct name t[] = {N(EPOLL_CTL_ADD), N(EPOLL_CTL_MOD), N(EPOLL_CTL_DEL)};
	return LOOKUP(t, op);
}

/* getprotobynumber()'s names, as a table: the call is not async-signal-safe
 * (hooks run in signal handlers) and opens /etc/protocols in the program.
 * These are netbase's /etc/protocols entries (Debian 12) for every number
 * it lists; bionic's built-in table gives the same names. */
const char *protocol_name(int proto, char *buf, size_t len) {
	static const struct name t[] = {
	    {1, "icmp"}, {2, "igmp"}, {3, "ggp"}, {4, "ipencap"}, {5, "st"}, {6, "tcp"},
	    {8, "egp"}, {9, "igp"}, {12, "pup"}, {17, "udp"}, {20, "hmp"}, {22, "xns-idp"},
	    {27, "rdp"}, {29, "iso-tp4"}, {33, "dccp"}, {36, "xtp"}, {37, "ddp"},
	    {38, "idpr-cmtp"}, {41, "ipv6"}, {43, "ipv6-route"}, {44, "ipv6-frag"},
	    {45, "idrp"}, {46, "rsvp"}, {47, "gre"}, {50, "esp"}, {51, "ah"}, {57, "skip"},
	    {58, "ipv6-icmp"}, {59, "ipv6-nonxt"}, {60, "ipv6-opts"}, {73, "rspf"},
	    {81, "vmtp"}, {88, "eigrp"}, {89, "ospf"}, {93, "ax.25"}, {94, "ipip"},
	    {97, "etherip"}, {98, "encap"}, {103, "pim"}, {108, "ipcomp"}, {112, "vrrp"},
	    {115, "l2tp"}, {124, "isis"}, {132, "sctp"}, {133, "fc"}, {135, "mobility-header"},
	    {136, "udplite"}, {137, "mpls-in-ip"}, {138, "manet"}, {139, "hip"},
	    {140, "shim6"}, {141, "wesp"}, {142, "rohc"}, {143, "ethernet"}, {262, "mptcp"}};
	/* 0 is "0" (the original asked only for non-zero numbers). */
	return proto == 0 ? "0" : LOOKUP(t, proto);
}

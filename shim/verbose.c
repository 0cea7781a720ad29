#include "verbose.h"

#include <arpa/inet.h>
#include <unistd.h>

#include "names.h"
#include "real.h"

static int fmt_addr(char *p, size_t n, const struct ev_addr *a) {
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family != AF_INET && a->family != AF_INET6) return snprintf(p, n, "-");
	inet_ntop(a->family, a->ip, ip, sizeof ip);
	return a->family == AF_INET6 ? snprintf(p, n, "[%s]:%u", ip, a->port) : snprintf(p, n, "%s:%u", ip, a->port);
}

void verbose_print(int fd, const struct event *ev) {
	int saved = errno;
	char args[160] = "", line[300], buf[24];
	switch (ev->type) {
	case EV_BIND: case EV_CONNECT: case EV_GETSOCKNAME: case EV_GETPEERNAME:
		fmt_addr(args, sizeof args, &ev->d.addr);
		break;
	case EV_ACCEPT: case EV_ACCEPT4:
		fmt_addr(args, sizeof args, &ev->d.accept.addr);
		break;
	case EV_SENDTO: case EV_RECVFROM: {
		int k = snprintf(args, sizeof args, "%llu, ", (unsigned long long)ev->d.io.bytes);
		fmt_addr(args + k, sizeof args - (size_t)k, &ev->d.io.addr);
		break;
	}
	case EV_SEND: case EV_RECV: case EV_WRITE: case EV_READ: case EV_SENDFILE:
		snprintf(args, sizeof args, "%llu", (unsigned long long)ev->d.io.bytes);
		break;
	case EV_SENDMSG: case EV_RECVMSG: case EV_WRITEV: case EV_READV:
		snprintf(args, sizeof args, "%llu", (unsigned long long)ev->d.msg.bytes);
		break;
	case EV_GETSOCKOPT: case EV_SETSOCKOPT: {
		char b2[24];
		snprintf(args, sizeof args, "%s, %s", sockopt_level_name(ev->d.sockopt.level, buf, sizeof buf),
			 sockopt_name(ev->d.sockopt.level, ev->d.sockopt.optname, b2, sizeof b2));
		break;
	}
	case EV_SOCKET: case EV_FORKED_SOCKET: case EV_GHOST_SOCKET: {
		char b2[24];
		snprintf(args, sizeof args, "%s, %s", domain_name(ev->d.sock.domain, buf, sizeof buf),
			 socktype_name(ev->d.sock.type, b2, sizeof b2));
		break;
	}
	default:
		break;
	}
	int n;
	if (ev->type == EV_SOCKET)
		n = snprintf(line, sizeof line, "[pid %d] socket(%s) = %lld", (int)getpid(), args, (long long)ev->ret);
	else
		n = snprintf(line, sizeof line, "[pid %d] %s(%d%s%s) = %lld", (int)getpid(), event_names[ev->type],
			     fd, args[0] ? ", " : "", args, (long long)ev->ret);
	if (n > (int)sizeof line - 40) n = (int)sizeof line - 40;
	if (ev->err) n += snprintf(line + n, sizeof line - (size_t)n, " %s", errno_name(ev->err, buf, sizeof buf));
	line[n++] = '\n';
	(void)!REAL(write)(2, line, (size_t)n);
	errno = saved;
}

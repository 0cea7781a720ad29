#include "tcpinfo.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "real.h"
#include "record.h"

void tcpinfo_sample(struct sock *s, int fd) {
	if (fd < 0 || s->info.type != SOCK_STREAM) return;
	int saved = errno;
	struct event ev;
	memset(&ev.d.tcpi, 0, sizeof ev.d.tcpi);
	socklen_t len = sizeof ev.d.tcpi;
	int rc = REAL(getsockopt)(fd, IPPROTO_TCP, TCP_INFO, &ev.d.tcpi, &len);
	ev_init(&ev, EV_TCP_INFO, rc, rc < 0, errno);
	ev.fake = 1;
	record(s, fd, &ev);
	errno = saved;
}

/* sockaddr -> the compact address kept in events. */
#ifndef TCPSNITCH_ADDR_H
#define TCPSNITCH_ADDR_H
#include <sys/socket.h>
#include "event.h"
/* family 0 when addr is NULL or too short to read. */
void addr_from_sockaddr(struct ev_addr *out, const struct sockaddr *addr, socklen_t len);
#endif

/* -c: a packet capture per TCP/UDP socket into N.pcap (libpcap), filtered
 * on the socket's addresses and ports. */
#ifndef TCPSNITCH_CAPTURE_H
#define TCPSNITCH_CAPTURE_H
#include <sys/socket.h>

#include "sock.h"
/* After a successful connect/bind/accept (or connect EINPROGRESS): starts
 * the capture once the addresses are fixed, or narrows one started by
 * capture_before_connect to the 4-tuple. */
void capture_maybe_start(struct sock *s, int fd);
/* Before the real connect of a TCP socket: starts on the destination so
 * the handshake is captured too. */
void capture_before_connect(struct sock *s, int fd, const struct sockaddr *addr, socklen_t len);
/* After a successful sendto/sendmsg/sendmmsg: an unbound UDP socket got its
 * port from that send; starts its capture (later datagrams). Cheap when
 * there is nothing to do (one load). */
void capture_after_send(struct sock *s, int fd);
/* When the socket is closed: let the last packets in, then stop. */
void capture_stop(struct sock *s);
/* Writer: make what was captured so far durable. */
void capture_flush_all(void);
/* Exit: stop every capture. */
void capture_stop_all(void);
void capture_reset_after_fork(void);
#endif

/* -c: a packet capture per TCP/UDP socket into N.pcap (libpcap): one handle
 * per process on "any", packets sorted to sockets by address and port. */
#ifndef TCPSNITCH_CAPTURE_H
#define TCPSNITCH_CAPTURE_H
#include <sys/socket.h>

#include "sock.h"
/* After a successful connect/bind/accept (or connect EINPROGRESS): opens the
 * process's capture on first use; starts the socket's capture once its
 * addresses are fixed (with its packets from the last seconds, so the
 * handshake is in), or narrows a UDP socket's capture to the peer it just
 * connected to. */
void capture_maybe_start(struct sock *s, int fd);
/* Before the real connect: opens the process's capture if it is not open
 * yet, so the handshake is seen; the socket's capture starts after connect. */
void capture_before_connect(struct sock *s, int fd, const struct sockaddr *addr, socklen_t len);
/* After a successful sendto/sendmsg/sendmmsg: an unbound UDP socket got its
 * port from that send; starts its capture (with that datagram). Cheap when
 * there is nothing to do (one load). */
void capture_after_send(struct sock *s, int fd);
/* When the socket is closed: let the last packets in, then stop. */
void capture_stop(struct sock *s);
/* Writer: make what was captured so far durable. */
void capture_flush_all(void);
/* Exit: stop every capture (bounded wait). */
void capture_stop_all(void);
void capture_reset_after_fork(void);
/* fork: no handle opening, flush or packet sorting under way in prepare. */
void capture_prepare_fork(void);
/* The program is putting another file on fd (dup2): if it is the capture's
 * packet socket, the capture stops using it. */
void capture_surrender_fd(int fd);
void capture_parent_after_fork(void);
#endif

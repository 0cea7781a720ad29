/* -c: a packet capture per TCP/UDP socket into N.pcap (libpcap), filtered
 * on the socket's addresses and ports. */
#ifndef TCPSNITCH_CAPTURE_H
#define TCPSNITCH_CAPTURE_H
#include "sock.h"
/* After a successful connect/bind/accept/sendto that fixed the addresses. */
void capture_maybe_start(struct sock *s, int fd);
/* When the socket is closed: let the last packets in, then stop. */
void capture_stop(struct sock *s);
/* Writer: make what was captured so far durable. */
void capture_flush_all(void);
/* Exit: stop every capture. */
void capture_stop_all(void);
void capture_reset_after_fork(void);
#endif

/* -b / -u: samples TCP_INFO into a tcp_info event on the socket. */
#ifndef TCPSNITCH_TCPINFO_H
#define TCPSNITCH_TCPINFO_H
#include "sock.h"
void tcpinfo_sample(struct sock *s, int fd);
#endif

/* -v: one strace-like line per event on stderr, as it happens. */
#ifndef TCPSNITCH_VERBOSE_H
#define TCPSNITCH_VERBOSE_H
#include "sock.h"
void verbose_print(int fd, const struct event *ev);
#endif

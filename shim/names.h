/* Symbolic names of constants for the trace (errno, socket options, ioctl
 * requests, fcntl commands, domains and types). Unknown values come back
 * as their number in decimal, written into buf. */
#ifndef TCPSNITCH_NAMES_H
#define TCPSNITCH_NAMES_H

#include "shim.h"

const char *errno_name(int err, char *buf, size_t len);
const char *domain_name(int domain, char *buf, size_t len);
const char *socktype_name(int type, char *buf, size_t len);
const char *sockopt_level_name(int level, char *buf, size_t len);
const char *sockopt_name(int level, int optname, char *buf, size_t len);
const char *ioctl_name(unsigned long request, char *buf, size_t len);
const char *fcntl_cmd_name(int cmd, char *buf, size_t len);
const char *protocol_name(int proto, char *buf, size_t len);
const char *epoll_op_name(int op, char *buf, size_t len);

#endif

/* Common definitions for every file of the shim. */
#ifndef TCPSNITCH_SHIM_H
#define TCPSNITCH_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Hooks are the only symbols the library exports (see libtcpsnitch.map and
 * -fvisibility=hidden). */
#define EXPORT __attribute__((visibility("default")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* bionic declares ioctl(int, int, ...); glibc ioctl(int, unsigned long, ...).
 * bionic and older glibc take const arguments in sendmmsg/recvmmsg. */
#ifdef __ANDROID__
#define NI_LEN_T size_t /* getnameinfo's buffer lengths */
#define IOCTL_REQUEST_T int
#define MMSG_CONST const
#define MMSG_TIMEOUT_CONST const
#else
#define NI_LEN_T socklen_t
#define IOCTL_REQUEST_T unsigned long
#define MMSG_CONST
#define MMSG_TIMEOUT_CONST
#endif

#ifndef TCPSNITCH_VERSION
#define TCPSNITCH_VERSION "dev"
#endif
#ifndef TCPSNITCH_GIT_HASH
#define TCPSNITCH_GIT_HASH "unknown"
#endif

#endif

/* 32-bit glibc programs built with 64-bit time_t (-D_TIME_BITS=64, the
 * default of new 32-bit distributions) call other entry points for every
 * function with a time in its arguments: __select64, __pselect64,
 * __ppoll64, __recvmsg64, __sendmsg64, __recvmmsg64, __sendmmsg64,
 * __getsockopt64, __setsockopt64, __fcntl_time64, __ioctl_time64 (glibc
 * 2.34+). The shim hooks them there; their time structures are these. */
#ifndef TCPSNITCH_TIME64_H
#define TCPSNITCH_TIME64_H

#include <stdint.h>

#if defined(__GLIBC__) && !defined(__ANDROID__) && __SIZEOF_LONG__ == 4 && !defined(__x86_64__)
#define TCPSNITCH_TIME64 1

/* glibc's struct __timespec64 on a 32-bit target: nanoseconds are 32 bits,
 * padded (little- and big-endian alike, the padding is on the far side). */
struct ts64 {
	int64_t tv_sec;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	int32_t pad, tv_nsec;
#else
	int32_t tv_nsec, pad;
#endif
};

/* struct __timeval64: both fields 64 bits. */
struct tv64 {
	int64_t tv_sec, tv_usec;
};
#endif

#endif

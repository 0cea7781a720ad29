/* epoll_wait returns the user's data, not the fd: this map remembers, per
 * epoll instance, which fd each registered data value stands for. Every
 * operation is O(1) (a server calls EPOLL_CTL_MOD on every request, and
 * closes sockets without EPOLL_CTL_DEL). */
#ifndef TCPSNITCH_EPOLL_MAP_H
#define TCPSNITCH_EPOLL_MAP_H
#include "shim.h"
/* ADD or MOD of fd in epfd with data: one entry per (epfd, fd). */
void epoll_map_set(int epfd, uint64_t data, int fd);
void epoll_map_del(int epfd, int fd);
/* -1 when unknown. */
int epoll_map_get(int epfd, uint64_t data);
/* fd is closed (or its number reused): drops its registrations, and every
 * registration of the epoll instance it was, if it was one. One array
 * read when fd has none. */
void epoll_map_forget_fd(int fd);
/* close_range, closefrom: epoll_map_forget_fd for each fd in [lo, hi]. */
void epoll_map_forget_range(unsigned lo, unsigned hi);
/* fork: prepare takes the map's lock so no thread is changing it (the table
 * is never copied half grown); parent releases it; the child re-initialises
 * it. */
void epoll_map_reset_after_fork(void);
void epoll_map_prepare_fork(void);
void epoll_map_parent_after_fork(void);
#endif

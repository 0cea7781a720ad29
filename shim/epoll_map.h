/* epoll_wait returns the user's data, not the fd: this map remembers, per
 * epoll instance, which fd each registered data value stands for. */
#ifndef TCPSNITCH_EPOLL_MAP_H
#define TCPSNITCH_EPOLL_MAP_H
#include "shim.h"
void epoll_map_set(int epfd, uint64_t data, int fd);
void epoll_map_del(int epfd, int fd);
/* -1 when unknown. */
int epoll_map_get(int epfd, uint64_t data);
void epoll_map_reset_after_fork(void);
/* fork: the table is never copied half grown (prepare holds its lock). */
void epoll_map_prepare_fork(void);
void epoll_map_parent_after_fork(void);
#endif

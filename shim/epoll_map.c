/* A small open-addressing table (linear probing, tombstones), grown by
 * doubling; only traced sockets are entered, so it stays small. */
#include "epoll_map.h"

#include <pthread.h>
#include <stdlib.h>

struct entry {
	int epfd, fd; /* fd -1: empty; -2: deleted */
	uint64_t data;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *tab;
static size_t cap, used;

static size_t hash(int epfd, uint64_t data) {
	uint64_t h = data * 0x9E3779B97F4A7C15ull ^ (uint64_t)(unsigned)epfd * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29));
}

static void grow(void) {
	size_t ncap = cap ? cap * 2 : 64;
	struct entry *n = malloc(ncap * sizeof *n);
	if (!n) return;
	for (size_t i = 0; i < ncap; i++) n[i].fd = -1;
	for (size_t i = 0; i < cap; i++) {
		if (tab[i].fd < 0) continue;
		size_t j = hash(tab[i].epfd, tab[i].data) & (ncap - 1);
		while (n[j].fd != -1) j = (j + 1) & (ncap - 1);
		n[j] = tab[i];
	}
	free(tab);
	tab = n;
	cap = ncap;
	used = 0;
	for (size_t i = 0; i < cap; i++) used += tab[i].fd >= 0;
}

void epoll_map_set(int epfd, uint64_t data, int fd) {
	pthread_mutex_lock(&lock);
	/* One entry per (epfd, fd): drop an older registration of fd. */
	for (size_t i = 0; i < cap; i++)
		if (tab[i].fd == fd && tab[i].epfd == epfd) tab[i].fd = -2;
	if ((used + 1) * 2 > cap) grow();
	if (cap) {
		size_t j = hash(epfd, data) & (cap - 1);
		while (tab[j].fd >= 0 && !(tab[j].epfd == epfd && tab[j].data == data)) j = (j + 1) & (cap - 1);
		if (tab[j].fd < 0) used++;
		tab[j] = (struct entry){epfd, fd, data};
	}
	pthread_mutex_unlock(&lock);
}

void epoll_map_del(int epfd, int fd) {
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cap; i++)
		if (tab[i].fd == fd && tab[i].epfd == epfd) tab[i].fd = -2;
	pthread_mutex_unlock(&lock);
}

int epoll_map_get(int epfd, uint64_t data) {
	int fd = -1;
	pthread_mutex_lock(&lock);
	if (cap) {
		size_t j = hash(epfd, data) & (cap - 1);
		for (size_t k = 0; k < cap && tab[j].fd != -1; k++, j = (j + 1) & (cap - 1))
			if (tab[j].fd >= 0 && tab[j].epfd == epfd && tab[j].data == data) {
				fd = tab[j].fd;
				break;
			}
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

void epoll_map_prepare_fork(void) { pthread_mutex_lock(&lock); }
void epoll_map_parent_after_fork(void) { pthread_mutex_unlock(&lock); }

void epoll_map_reset_after_fork(void) { pthread_mutex_init(&lock, NULL); }

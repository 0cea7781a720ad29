/* 8 threads, each with its own UDP socket: socket, connect, 50 sends, close.
 * Prints each thread's kernel id. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

#define THREADS 8
#define SENDS 50
static int port;

static void *worker(void *arg) {
        (void)arg;
        struct sockaddr_storage ss;
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(fd);
        CHECK(connect(fd, (struct sockaddr *)&ss, loopback(AF_INET, port, &ss)));
        for (int i = 0; i < SENDS; i++) CHECK(send(fd, "abcdefgh", 8, 0));
        CHECK(close(fd));
        fact("tid", syscall(SYS_gettid));
        return NULL;
}

int main(void) {
        pthread_t th[THREADS];
        int sink = bound_socket(AF_INET, SOCK_DGRAM, &port); /* socket 0 */
        int big = 1 << 20;
        setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        for (int i = 0; i < THREADS; i++) CHECK(-pthread_create(&th[i], NULL, worker, NULL));
        for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
        fact("main_tid", syscall(SYS_gettid));
        return 0;
}

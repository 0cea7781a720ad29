/* Race of issue 3: 8 threads open and close TCP connections (argv[1] times
 * each) while an acceptor thread accepts and closes them. fd numbers are
 * reused all the time; every close must land on the right socket. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

#define THREADS 8
static int port, iters, lfd;

static void *client(void *arg) {
        (void)arg;
        struct sockaddr_storage ss;
        socklen_t len = loopback(AF_INET, port, &ss);
        for (int i = 0; i < iters; i++) {
                int fd = socket(AF_INET, SOCK_STREAM, 0);
                CHECK(fd);
                CHECK(connect(fd, (struct sockaddr *)&ss, len));
                CHECK(send(fd, "x", 1, 0));
                CHECK(close(fd));
        }
        return NULL;
}

static void *acceptor(void *arg) {
        (void)arg;
        for (int i = 0; i < THREADS * iters; i++) {
                int fd = accept(lfd, NULL, NULL);
                CHECK(fd);
                CHECK(close(fd));
        }
        return NULL;
}

int main(int argc, char **argv) {
        iters = argc > 1 ? atoi(argv[1]) : 200;
        lfd = bound_socket(AF_INET, SOCK_STREAM, &port); /* socket 0 */
        CHECK(listen(lfd, 4096));
        pthread_t acc, th[THREADS];
        CHECK(-pthread_create(&acc, NULL, acceptor, NULL));
        for (int i = 0; i < THREADS; i++) CHECK(-pthread_create(&th[i], NULL, client, NULL));
        for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
        pthread_join(acc, NULL);
        fact("connections", THREADS * iters);
        return 0;
}

/* A thread stalls inside a hook between its fd lookup and its last use of
 * the socket record, while another thread closes that socket: the record
 * must outlive the stall. Thread A calls dup2(oldfd, newfd) where newfd is
 * a socket with unsent data to a peer that never reads and SO_LINGER of
 * argv[1] seconds: the implicit close of newfd blocks that long inside
 * dup2, after the shim looked oldfd's socket up. Meanwhile the main thread
 * closes oldfd. After dup2, A sends on newfd (now oldfd's socket) and
 * closes it: those events belong to oldfd's socket (socket 4). */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <time.h>

static int oldfd, newfd, linger_s;

static void *dup_thread(void *arg) {
        (void)arg;
        CALL("dup2", dup2(oldfd, newfd));
        for (int i = 0; i < 5; i++) CALL("send", send(newfd, "abc", 3, 0));
        CALL("close", close(newfd));
        return NULL;
}

int main(int argc, char **argv) {
        linger_s = argc > 1 ? atoi(argv[1]) : 4;
        int l, v, peer;
        tcp_pair(AF_INET, &l, &v, &peer); /* 0, 1 (the victim), 2 (never reads) */
        int small = 4096;
        CHECK(setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small));
        CHECK(fcntl(v, F_SETFL, O_NONBLOCK));
        char buf[4096];
        memset(buf, 'v', sizeof buf);
        while (send(v, buf, sizeof buf, 0) > 0) {}
        struct linger lg = {1, linger_s};
        CHECK(setsockopt(v, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
        CHECK(fcntl(v, F_SETFL, 0));
        /* Socket 4: a UDP socket connected to socket 3. */
        int uport, u = bound_socket(AF_INET, SOCK_DGRAM, &uport);
        oldfd = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(oldfd);
        struct sockaddr_storage ss;
        CHECK(connect(oldfd, (struct sockaddr *)&ss, loopback(AF_INET, uport, &ss)));
        (void)u;
        newfd = v;
        pthread_t th;
        CHECK(-pthread_create(&th, NULL, dup_thread, NULL));
        struct timespec half = {0, 500000000};
        nanosleep(&half, NULL); /* A is blocked in dup2 by now */
        CALL("close", close(oldfd)); /* its last fd as far as main knows */
        pthread_join(th, NULL);
        return 0;
}

/* A program that dup2s onto the top of its fd range, where the shim keeps
 * its own files, while another thread's traffic keeps the writer appending
 * to the spool (flush every 1 ms: TCPSNITCH_OPT_T=1).
 * main: NPAIRS UDP pairs in turn in a thread, NSEND datagrams each; the
 *   main thread meanwhile, over and over for each n of the top 40 numbers:
 *   dup2(file, n), write(n, "P"), close(n); and every 7th n a dup2 from a
 *   number that holds nothing, which must fail with EBADF.
 * Facts: sends_<pair> (datagrams sent on the pair's sender), program_writes
 * (bytes the program wrote to its file), file_bytes and file_foreign (its
 * file's size, and bytes in it that are not the program's 'P'),
 * bad_dup_errors (failed dup2s that did not fail with EBADF), sweeps. */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define NPAIRS 20
#define NSEND 400
#define TOP 40

static volatile int traffic_done;

static void *traffic(void *arg) {
        (void)arg;
        for (int i = 0; i < NPAIRS; i++) {
                int a, b;
                udp_pair(AF_INET, &a, &b);
                char c;
                int sent = 0;
                for (int k = 0; k < NSEND; k++) {
                        CHECK(send(a, "x", 1, 0));
                        sent++;
                        CHECK(recv(b, &c, 1, 0));
                        if (k % 50 == 0) usleep(200); /* a few writer passes per pair */
                }
                char key[32];
                snprintf(key, sizeof key, "sends_%d", i);
                fact(key, sent);
                close(a);
                close(b);
        }
        __atomic_store_n(&traffic_done, 1, __ATOMIC_RELEASE);
        return NULL;
}

int main(void) {
        struct rlimit rl;
        CHECK(getrlimit(RLIMIT_NOFILE, &rl));
        int top = rl.rlim_cur > 1024 ? 1024 : (int)rl.rlim_cur;
        char path[] = "/tmp/ownfdsweep-XXXXXX";
        int file = mkstemp(path);
        CHECK(file);
        unlink(path);
        /* A number that holds nothing, and that nothing gets (the kernel
         * gives the lowest free one; the shim's are higher). */
        int closed = top - TOP - 1;
        if (fcntl(closed, F_GETFD) != -1) die("a free number below the top ones");

        pthread_t t;
        if (pthread_create(&t, NULL, traffic, NULL)) die("pthread_create");
        long writes = 0, bad = 0, sweeps = 0;
        while (!__atomic_load_n(&traffic_done, __ATOMIC_ACQUIRE)) {
                for (int n = top - TOP; n < top; n++) {
                        if (n % 7 == 0) {
                                errno = 0;
                                if (dup2(closed, n) != -1 || errno != EBADF) bad++;
                                continue;
                        }
                        CHECK(dup2(file, n));
                        if (write(n, "P", 1) == 1) writes++;
                        CHECK(close(n));
                }
                sweeps++;
        }
        pthread_join(t, NULL);

        struct stat st;
        CHECK(fstat(file, &st));
        long foreign = 0;
        char buf[4096];
        ssize_t got;
        CHECK(lseek(file, 0, SEEK_SET));
        while ((got = read(file, buf, sizeof buf)) > 0)
                for (ssize_t i = 0; i < got; i++) foreign += buf[i] != 'P';
        fact("program_writes", writes);
        fact("file_bytes", (long)st.st_size);
        fact("file_foreign", foreign);
        fact("bad_dup_errors", bad);
        fact("sweeps", sweeps);
        return 0;
}

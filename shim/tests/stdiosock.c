/* A client that talks to a server through a stdio stream on its socket
 * (fdopen), as old-style C clients and busybox wget do:
 *   stdiosock PORT exit|fclose
 * connects to 127.0.0.1:PORT, wraps the socket in fdopen(s, "r+"), writes
 * 10 000 'a' and a newline with fwrite/fputs and fflush, reads the
 * server's reply line with fgets and its 5 001-byte body with fread,
 * then fprintf's "bye 42\n" and leaves it buffered: "exit" returns from
 * main (exit's flush writes it), "fclose" closes the stream.
 * Facts: sock (its fd), fileno_same (fileno(stream) is the socket), reply
 * (bytes the program got through stdio). */
#include "common.h"

int main(int argc, char **argv) {
        if (argc != 3) die("usage: stdiosock PORT exit|fclose");
        int s = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(s);
        struct sockaddr_storage ss;
        socklen_t len = loopback(AF_INET, atoi(argv[1]), &ss);
        CHECK(connect(s, (struct sockaddr *)&ss, len));
        fact("sock", s);
        FILE *f = fdopen(s, "r+");
        if (!f) die("fdopen");
        fact("fileno_same", fileno(f) == s);

        static char big[10000];
        memset(big, 'a', sizeof big);
        if (fwrite(big, 1, sizeof big, f) != sizeof big) die("fwrite");
        if (fputs("\n", f) < 0) die("fputs");
        if (fflush(f)) die("fflush");

        char line[64], body[6000];
        if (!fgets(line, sizeof line, f)) die("fgets");
        size_t got = fread(body, 1, 5001, f);
        if (got != 5001) die("fread");
        fact("reply", (long)(strlen(line) + got));

        fprintf(f, "bye %d\n", 42); /* stays in the buffer */
        if (!strcmp(argv[2], "fclose") && fclose(f)) die("fclose");
        return 0;
}

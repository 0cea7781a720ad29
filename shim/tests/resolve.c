/* Name resolution calls recorded in dns.json (tests/shim/dns_test.go), each
 * on the name "localhost" from /etc/hosts, and one name that does not
 * exist (.invalid is reserved: never resolves). */
#define _GNU_SOURCE
#include "common.h"
#include <netdb.h>

int main(void) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_CANONNAME;
        if (CALL("getaddrinfo", getaddrinfo("localhost", "80", &hints, &res)) == 0) freeaddrinfo(res);
        res = NULL;
        if (CALL("getaddrinfo", getaddrinfo("tcpsnitch-no-such-name.invalid", NULL, &hints, &res)) == 0) freeaddrinfo(res);
        CALL("gethostbyname", gethostbyname("localhost") != NULL);
        CALL("gethostbyname2", gethostbyname2("localhost", AF_INET) != NULL);
        struct in_addr lo = {htonl(INADDR_LOOPBACK)};
        CALL("gethostbyaddr", gethostbyaddr(&lo, sizeof lo, AF_INET) != NULL);
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80), .sin_addr = lo};
        char host[256], serv[32];
        CALL("getnameinfo", getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv,
                                        NI_NUMERICSERV));
        return 0;
}

/*
 * nb: the guest's half of make bench-net (bench/net.py), one small static program.
 *
 *   nb sink PORT                  accept one TCP connection, read it to its end, close
 *   nb source HOST PORT MIB       connect, send MIB MiB, half-close, wait for the peer to close
 *   nb udp HOST PORT COUNT        send COUNT datagrams of 1 KiB as fast as the socket takes them
 *   nb udpsink PORT               receive datagrams and discard them, until killed
 *
 * The UDP pair is the net suite's stream without flow control (tests/net/backpressure_test.py):
 * only the network can slow the sender (the socket blocks once its send buffer is full).
 *
 * busybox nc moves a connection through a 1 KiB buffer with a select() per chunk, so in a
 * guest it measures the guest's system-call rate more than the network; nb uses 64 KiB
 * reads and writes. Both ends print one line of key=value pairs with the guest's monotonic
 * clock, and the sink prints "@@nb listening" once it can accept, so the host starts the
 * sender only then. The source's time runs from connect() to the peer's close, which comes
 * only after the sink has read every byte: the transfer as the receiving program saw it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NB_BUF (64 * 1024)

static char nb_buf[NB_BUF];

static uint64_t nb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int nb_fail(const char *what)
{
    fprintf(stderr, "nb: %s: %s\n", what, strerror(errno));
    return 1;
}

static long nb_number(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !*s || *end || v <= 0 || v > max) {
        fprintf(stderr, "nb: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static int nb_sink(long port)
{
    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        return nb_fail("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
        return nb_fail("bind/listen");
    printf("@@nb listening port=%ld\n", port);
    fflush(stdout);
    int s = accept(ls, NULL, NULL);
    if (s < 0)
        return nb_fail("accept");
    close(ls);
    uint64_t bytes = 0, t0 = 0;
    for (;;) {
        ssize_t n = read(s, nb_buf, sizeof(nb_buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return nb_fail("read");
        if (n == 0)
            break;
        if (!bytes)
            t0 = nb_now_ns();
        bytes += (uint64_t)n;
    }
    uint64_t ns = bytes ? nb_now_ns() - t0 : 0;
    close(s);
    printf("@@nb sink bytes=%llu guest_ns=%llu\n", (unsigned long long)bytes, (unsigned long long)ns);
    return 0;
}

static int nb_source(const char *host, long port, long mib)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "nb: bad address '%s'\n", host);
        return 2;
    }
    for (size_t i = 0; i < sizeof(nb_buf); i++)
        nb_buf[i] = (char)(i * 131 + 7);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return nb_fail("socket");
    uint64_t t0 = nb_now_ns();
    if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return nb_fail("connect");
    uint64_t left = (uint64_t)mib << 20, bytes = 0;
    while (left) {
        size_t chunk = left < sizeof(nb_buf) ? (size_t)left : sizeof(nb_buf);
        ssize_t n = write(s, nb_buf, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return nb_fail("write");
        left -= (uint64_t)n;
        bytes += (uint64_t)n;
    }
    shutdown(s, SHUT_WR);
    /* The sink closes once it has read everything: wait for that. */
    for (;;) {
        ssize_t n = read(s, nb_buf, sizeof(nb_buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
    }
    uint64_t ns = nb_now_ns() - t0;
    close(s);
    printf("@@nb source bytes=%llu guest_ns=%llu\n", (unsigned long long)bytes, (unsigned long long)ns);
    return 0;
}

static int nb_udp(const char *host, long port, long count)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "nb: bad address '%s'\n", host);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return nb_fail("udp socket");
    long sent = 0, refused = 0;
    while (sent < count) {
        ssize_t n = send(s, nb_buf, 1024, 0);
        if (n < 0 && (errno == EINTR || errno == ENOBUFS))
            continue;
        if (n < 0 && errno == ECONNREFUSED) {
            refused++; /* an ICMP port unreachable came back: the datagram went */
            continue;
        }
        if (n < 0)
            return nb_fail("send");
        sent++;
    }
    printf("@@nb udp sent=%ld refused=%ld\n", sent, refused);
    return 0;
}

static int nb_udpsink(long port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return nb_fail("udp bind");
    printf("@@nb listening port=%ld\n", port);
    fflush(stdout);
    for (;;)
        if (recv(s, nb_buf, sizeof(nb_buf), 0) < 0 && errno != EINTR)
            return nb_fail("recv");
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "udp"))
        return nb_udp(argv[2], nb_number(argv[3], 65535), nb_number(argv[4], 10000000));
    if (argc == 3 && !strcmp(argv[1], "udpsink"))
        return nb_udpsink(nb_number(argv[2], 65535));
    if (argc == 3 && !strcmp(argv[1], "sink"))
        return nb_sink(nb_number(argv[2], 65535));
    if (argc == 5 && !strcmp(argv[1], "source"))
        return nb_source(argv[2], nb_number(argv[3], 65535), nb_number(argv[4], 4096));
    fprintf(stderr, "usage: nb sink PORT | nb source HOST PORT MIB | nb udp HOST PORT COUNT | nb udpsink PORT\n");
    return 2;
}

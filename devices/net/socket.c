/*
 * "-netdev socket": the segment continues over a host socket, byte-compatible with QEMU's
 * (net/socket.c there), so mvisor VMs on different hosts, and QEMU VMs, share one segment.
 *
 *   listen=ADDR:PORT   a TCP listener; one peer at a time, the next accepted once it leaves
 *   connect=ADDR:PORT  a TCP connection made at start-up (refused there if nobody listens);
 *                      when the peer leaves, mvisor connects again every second until it is back
 *   udp=ADDR:PORT,localaddr=ADDR:PORT
 *                      datagrams from localaddr to udp=, one frame each
 *
 * On a stream, every frame is a 4-byte big-endian length and then the frame (QEMU's
 * net_socket_receive writes htonl(size) before the bytes; net_fill_rstate reads it back).
 *
 * What a peer may send that we do not take: a frame shorter than an Ethernet header or
 * longer than NET_FRAME_MAX is read and dropped (counted); a length above NET_STREAM_MAX
 * cannot be a frame at all, so the stream has lost its framing and the connection is closed
 * (counted; a listener then waits for the next peer, a connect= side reconnects). A peer that
 * leaves in the middle of a frame loses that frame.
 *
 * Threads. The backend's thread does all reading, accepting and reconnecting. Frames from the
 * guest are written on the vCPU thread, which never blocks: the bytes go into a bounded output
 * buffer and as much as the socket takes is written at once; the thread writes the rest when
 * the socket can take more. One mutex covers the connection and the output buffer.
 *
 * Backpressure both ways, as QEMU's net/socket.c: a frame for a card whose queue is full is
 * held, and the thread stops reading the socket (the peer's writes then wait in the host's
 * socket buffers) until the card says it has room (netdev_rx_room); a card offering a frame
 * the full output buffer cannot take is held back (-EAGAIN, net.h) and resumed once the
 * thread has written the buffer down to half. A frame transmitted without an offer (no card
 * that can wait) into a full buffer is dropped, counted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devices/net/internal.h"

/* Lengths above this are no frame of any Ethernet (QEMU's own reader takes up to 69632). */
#define NET_STREAM_MAX 65536
#define OUT_MAX (256u << 10)

enum sock_mode { SOCK_LISTEN, SOCK_CONNECT, SOCK_UDP };

struct sock_net {
    struct netdev nd;
    enum sock_mode mode;
    struct sockaddr_in addr, local; /* listen / connect / udp destination; udp's own */
    int listen_fd;
    int wake_fd;
    pthread_t thread;
    bool thread_started;
    _Atomic bool quit;
    pthread_mutex_t lock; /* fd, out */
    int fd;               /* the connection or the UDP socket; -1: none */
    uint8_t *out;
    size_t out_len;
    bool tx_waiting; /* an offer was refused for room in out: resume the card when there is */
    /* the reader (the thread only) */
    uint8_t hdr[4];
    unsigned hdr_got;
    uint32_t frame_len, frame_got;
    uint8_t frame[NET_STREAM_MAX];
    /* a frame the card refused, and the stream bytes read behind it (the thread only) */
    struct net_buf *held;
    uint8_t rest[16384];
    size_t rest_len;
    _Atomic uint64_t runts, oversized, bad_lengths, disconnects, out_full;
};

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void wake(struct sock_net *s)
{
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof(one)) < 0) {
        /* saturated: the thread is awake anyway */
    }
}

/* Writes what the socket takes of the output buffer (lock held). A broken connection is left
 * for the reader to notice (it sees the error or the end of file). */
static void flush_out(struct sock_net *s)
{
    while (s->fd >= 0 && s->out_len) {
        ssize_t n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                s->out_len = 0; /* the connection is gone: what it held is lost with it */
            return;
        }
        memmove(s->out, s->out + n, s->out_len - (size_t)n);
        s->out_len -= (size_t)n;
        if (s->tx_waiting && s->out_len <= OUT_MAX / 2) {
            s->tx_waiting = false;
            if (s->nd.port.tx_resume)
                s->nd.port.tx_resume(s->nd.port.ctx);
        }
    }
}

/* b into the output buffer (or the UDP socket): 0, or -EAGAIN when the buffer cannot take it
 * (hold: the card waits for tx_resume; else the frame is dropped and counted). */
static int sock_send(struct sock_net *s, struct net_buf *b, bool hold)
{
    pthread_mutex_lock(&s->lock);
    if (s->fd < 0) {
        pthread_mutex_unlock(&s->lock);
        count(&s->nd.stats.dropped); /* no peer: the cable hangs loose */
        return 0;
    }
    if (s->mode == SOCK_UDP) {
        if (sendto(s->fd, b->data, b->len, MSG_DONTWAIT, (struct sockaddr *)&s->addr, sizeof(s->addr)) < 0)
            count(&s->nd.stats.dropped);
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    bool was_empty = s->out_len == 0;
    if (s->out_len + 4 + b->len > OUT_MAX) {
        if (hold)
            s->tx_waiting = true;
        pthread_mutex_unlock(&s->lock);
        if (hold)
            return -EAGAIN;
        count(&s->out_full);
        count(&s->nd.stats.dropped);
        return 0;
    }
    uint32_t be = htonl(b->len);
    memcpy(s->out + s->out_len, &be, 4);
    memcpy(s->out + s->out_len + 4, b->data, b->len);
    s->out_len += 4 + b->len;
    flush_out(s);
    bool left = s->out_len != 0;
    pthread_mutex_unlock(&s->lock);
    if (left && was_empty)
        wake(s); /* the thread now polls for POLLOUT */
    return 0;
}

static void sock_transmit(struct netdev *nd, struct net_buf *b)
{
    sock_send((struct sock_net *)nd, b, false);
}

static int sock_offer(struct netdev *nd, struct net_buf *b)
{
    return sock_send((struct sock_net *)nd, b, true);
}

/* The card has room again: the thread offers the held frame and reads on. */
static void sock_rx_room(struct netdev *nd)
{
    wake((struct sock_net *)nd);
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void close_conn(struct sock_net *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->out_len = 0;
    pthread_mutex_unlock(&s->lock);
    s->hdr_got = 0;
    s->frame_len = s->frame_got = 0;
    net_buf_put(s->held); /* the peer left: what it sent last is lost with it */
    s->held = NULL;
    s->rest_len = 0;
}

static void set_conn(struct sock_net *s, int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* frames, not a byte stream */
    pthread_mutex_lock(&s->lock);
    s->fd = fd;
    s->out_len = 0;
    pthread_mutex_unlock(&s->lock);
    s->hdr_got = 0;
    s->frame_len = s->frame_got = 0;
}

/* A frame from the peer to the card: false if the card refused it, which is then held. */
static bool deliver(struct sock_net *s, const uint8_t *data, uint32_t len)
{
    if (len < NET_ETH_HLEN) {
        count(&s->runts);
        count(&s->nd.stats.dropped);
        return true;
    }
    if (len > NET_FRAME_MAX) {
        count(&s->oversized);
        count(&s->nd.stats.dropped);
        return true;
    }
    struct net_buf *b = net_buf_new(data, len);
    if (!b) {
        count(&s->nd.stats.dropped);
        return true;
    }
    if (netdev_deliver_offer(&s->nd, b) < 0) {
        s->held = b;
        return false;
    }
    net_buf_put(b);
    return true;
}

/* Feeds stream bytes through the framing; false if the stream lost it. */
static bool parse_stream(struct sock_net *s, const uint8_t *p, size_t n)
{
    while (n) {
        if (s->hdr_got < 4) {
            s->hdr[s->hdr_got++] = *p++;
            n--;
            if (s->hdr_got == 4) {
                uint32_t be;
                memcpy(&be, s->hdr, 4);
                s->frame_len = ntohl(be);
                s->frame_got = 0;
                if (s->frame_len > NET_STREAM_MAX) {
                    count(&s->bad_lengths);
                    return false;
                }
            } else {
                continue;
            }
        }
        size_t take = s->frame_len - s->frame_got;
        if (take > n)
            take = n;
        memcpy(s->frame + s->frame_got, p, take);
        s->frame_got += (uint32_t)take;
        p += take;
        n -= take;
        if (s->frame_got == s->frame_len) {
            s->hdr_got = 0;
            if (!deliver(s, s->frame, s->frame_len)) {
                memcpy(s->rest, p, n); /* read on from here once the card has room */
                s->rest_len = n;
                return true;
            }
        }
    }
    return true;
}

/* The held frame again, then the bytes behind it; false if the stream lost its framing. buf
 * is scratch of sizeof(s->rest). */
static bool resume_held(struct sock_net *s, uint8_t *buf)
{
    if (netdev_deliver_offer(&s->nd, s->held) < 0)
        return true; /* still full: the card calls again */
    net_buf_put(s->held);
    s->held = NULL;
    size_t n = s->rest_len;
    s->rest_len = 0;
    memcpy(buf, s->rest, n);
    return parse_stream(s, buf, n);
}

static int try_connect(struct sock_net *s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    set_conn(s, fd);
    return 0;
}

static void *sock_thread(void *arg)
{
    struct sock_net *s = arg;
    uint8_t buf[16384];
    while (!atomic_load(&s->quit)) {
        if (s->held && !resume_held(s, buf)) {
            count(&s->disconnects);
            close_conn(s);
        }
        struct pollfd p[2] = {{.fd = s->wake_fd, .events = POLLIN}};
        pthread_mutex_lock(&s->lock);
        int fd = s->fd;
        bool want_out = s->out_len != 0;
        pthread_mutex_unlock(&s->lock);
        int timeout = -1;
        if (fd >= 0) /* a held frame: the peer's bytes wait in the host until the card has room */
            p[1] = (struct pollfd){.fd = fd, .events = (s->held ? 0 : POLLIN) | (want_out ? POLLOUT : 0)};
        else if (s->mode == SOCK_LISTEN)
            p[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        else
            p[1] = (struct pollfd){.fd = -1}, timeout = 1000; /* connect=: try again in a second */
        int rc = poll(p, 2, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN) {
            uint64_t v;
            if (read(s->wake_fd, &v, sizeof(v)) < 0) {
                /* nothing after all */
            }
        }
        if (fd < 0) {
            if (s->mode == SOCK_LISTEN && (p[1].revents & POLLIN)) {
                int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (c >= 0)
                    set_conn(s, c);
            } else if (s->mode == SOCK_CONNECT && rc == 0) {
                try_connect(s);
            }
            continue;
        }
        if (p[1].revents & POLLOUT) {
            pthread_mutex_lock(&s->lock);
            flush_out(s);
            pthread_mutex_unlock(&s->lock);
        }
        if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR)) || (s->held && !(p[1].revents & (POLLHUP | POLLERR))))
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (s->mode == SOCK_UDP) {
            if (n >= 0)
                deliver(s, buf, (uint32_t)n);
            continue;
        }
        if (n <= 0 || !parse_stream(s, buf, (size_t)n)) {
            count(&s->disconnects);
            close_conn(s);
        }
    }
    return NULL;
}

static void sock_start(struct netdev *nd)
{
    struct sock_net *s = (struct sock_net *)nd;
    if (pthread_create(&s->thread, NULL, sock_thread, s) == 0)
        s->thread_started = true;
    else
        fprintf(stderr, "mvisor: -netdev socket: cannot start its thread; the network stays silent\n");
}

static void sock_destroy(struct netdev *nd)
{
    struct sock_net *s = (struct sock_net *)nd;
    if (s->thread_started) {
        atomic_store(&s->quit, true);
        wake(s);
        pthread_join(s->thread, NULL);
    }
    if (s->fd >= 0)
        close(s->fd);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    net_buf_put(s->held);
    pthread_mutex_destroy(&s->lock);
    free(s->out);
    free(s);
}

static const struct netdev_ops sock_ops = {
    .start = sock_start,
    .transmit = sock_transmit,
    .offer = sock_offer,
    .rx_room = sock_rx_room,
    .destroy = sock_destroy,
};

static struct sockaddr_in to_sin(uint32_t addr, uint16_t port)
{
    return (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = addr, .sin_port = htons(port)};
}

int net_socket_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen)
{
    struct sock_net *s = calloc(1, sizeof(*s));
    uint8_t *o = s ? malloc(OUT_MAX) : NULL;
    if (!o) {
        free(s);
        snprintf(err, errlen, "netdev '%s': out of memory", cfg->id);
        return -ENOMEM;
    }
    s->nd.ops = &sock_ops;
    s->out = o;
    s->fd = s->listen_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = s->wake_fd < 0 ? -errno : 0;
    const char *what = "eventfd";
    s->addr = to_sin(cfg->sock_addr, cfg->sock_port);
    if (rc == 0 && cfg->sock_mode == NETDEV_SOCKET_LISTEN) {
        s->mode = SOCK_LISTEN;
        what = "listen";
        int one = 1;
        s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0 || setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(s->listen_fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) < 0 || listen(s->listen_fd, 1) < 0)
            rc = -errno;
    } else if (rc == 0 && cfg->sock_mode == NETDEV_SOCKET_CONNECT) {
        s->mode = SOCK_CONNECT;
        what = "connect";
        rc = try_connect(s);
    } else if (rc == 0) {
        s->mode = SOCK_UDP;
        what = "udp";
        s->local = to_sin(cfg->sock_local_addr, cfg->sock_local_port);
        int one = 1;
        s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(s->fd, (struct sockaddr *)&s->local, sizeof(s->local)) < 0)
            rc = -errno;
    }
    if (rc < 0) {
        const struct sockaddr_in *sa = s->mode == SOCK_UDP ? &s->local : &s->addr;
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
        snprintf(err, errlen, "netdev '%s': socket %s=%s:%u: %s", cfg->id, s->mode == SOCK_UDP ? "localaddr" : what, a,
                 ntohs(sa->sin_port), strerror(-rc));
        sock_destroy(&s->nd);
        return rc;
    }
    *out = &s->nd;
    return 0;
}

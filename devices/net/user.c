/*
 * "-netdev user": the guest on a private network whose router is the monitor, through
 * libslirp (Debian libslirp-dev 4.7; /usr/include/slirp/libslirp.h). The addresses are QEMU's
 * (its documentation of -netdev user): network 10.0.2.0/24, the host (gateway) 10.0.2.2, DNS
 * 10.0.2.3, DHCP handing out 10.0.2.15 first. The guest's connections become host sockets;
 * 10.0.2.2 is the host's loopback. hostfwd= listens on the host and connects into the guest;
 * restrict=on (slirp's "restricted") keeps the guest from reaching the host or beyond, while
 * the forwards still work, as QEMU documents.
 *
 * Threads. libslirp is not thread-safe, so one mutex covers every call into it: the backend's
 * own thread polls slirp's sockets and runs its timers, and the card's vCPU thread feeds it the
 * guest's frames (slirp_input). slirp hands frames for the guest to send_packet from inside
 * either, and those only queue in the card. After a frame from the guest the vCPU thread
 * polls slirp's sockets itself without waiting (poll_now): the guest's acknowledgements make
 * room toward it, and the host's data that fills it is read on the same thread instead of
 * waiting until the host schedules the poll thread. The poll thread is woken (an eventfd) only
 * when slirp then wants a different poll set or an earlier time-out than it sleeps on.
 *
 * Backpressure. A frame for a card whose queue is full is not dropped (slirp's TCP toward the
 * guest would wait out a retransmission timeout, a second at least, for each): it waits in a
 * backlog here, and while the backlog holds anything the thread stops polling slirp's sockets,
 * so data from the host stays in the host's socket buffers and its sender slows down, as QEMU's
 * net queue holds packets for a card that cannot receive. slirp's timers still run. The card
 * says when it has room (netdev_rx_room); the thread then hands the backlog over in order. The
 * backlog is bounded (USER_BACKLOG frames: what one poll and the timers can make); past it a
 * frame is dropped and counted.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/host_clock.h"
#include "devices/net/internal.h"

struct user_timer {
    struct user_timer *next;
    SlirpTimerCb cb;
    void *cb_opaque;
    int64_t expire_ms; /* -1: not armed */
};

/* Frames waiting for room in the card (a ring). */
#define USER_BACKLOG 4096

/* A poll set built by slirp_pollfds_fill: the thread's and the vCPU thread's own, so that
 * neither rebuilds the array the other is polling. */
struct user_pollset {
    struct pollfd *fds;
    unsigned nfds, cap;
    uint64_t sig; /* the (fd, events) pairs after the wake-up descriptor, hashed */
};

struct user_net {
    struct netdev nd;
    struct net_buf *backlog[USER_BACKLOG]; /* under lock */
    unsigned bl_head, bl_count;
    Slirp *slirp;
    pthread_mutex_t lock; /* slirp, the timers, the poll set */
    int wake_fd;
    pthread_t thread;
    bool thread_started;
    _Atomic bool quit;
    struct user_timer *timers;
    struct user_pollset ps, vps; /* the thread's; the vCPU thread's (both under lock) */
    /* Bumped by every slirp_pollfds_fill: slirp keeps each socket's index in the latest set
     * only, so the thread drops the results of a poll made before someone else's fill. */
    uint64_t fill_gen;
    int64_t thread_wake_ms; /* when the thread's poll times out at the latest (clock ms) */
    _Atomic uint64_t guest_errors;
    struct ipfrag_guard frags; /* the guest's IPv4 fragments (under lock) */
};

/* ---- slirp's callbacks (called with the lock held) ---------------------------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    struct user_net *u = opaque;
    if (len > NET_FRAME_MAX || len < NET_ETH_HLEN) {
        atomic_fetch_add_explicit(&u->nd.stats.dropped, 1, memory_order_relaxed);
        return (ssize_t)len;
    }
    struct net_buf *b = net_buf_new(buf, (uint32_t)len);
    if (!b) {
        atomic_fetch_add_explicit(&u->nd.stats.dropped, 1, memory_order_relaxed);
        return (ssize_t)len; /* dropped: TCP retransmits (libslirp.h) */
    }
    b->csum = NET_CSUM_VALID; /* slirp computed every checksum itself */
    if (!u->bl_count && netdev_deliver_offer(&u->nd, b) == 0) {
        net_buf_put(b);
        return (ssize_t)len;
    }
    if (u->bl_count == USER_BACKLOG) {
        atomic_fetch_add_explicit(&u->nd.stats.dropped, 1, memory_order_relaxed);
        net_buf_put(b);
    } else {
        u->backlog[(u->bl_head + u->bl_count++) % USER_BACKLOG] = b; /* keeps the reference */
    }
    return (ssize_t)len;
}

/* Hands the backlog to the card in order, as far as it has room (lock held). */
static void flush_backlog(struct user_net *u)
{
    while (u->bl_count && netdev_deliver_offer(&u->nd, u->backlog[u->bl_head]) == 0) {
        net_buf_put(u->backlog[u->bl_head]);
        u->backlog[u->bl_head] = NULL;
        u->bl_head = (u->bl_head + 1) % USER_BACKLOG;
        u->bl_count--;
    }
}

static void cb_guest_error(const char *msg, void *opaque)
{
    struct user_net *u = opaque;
    (void)msg; /* the guest's fault: counted, never printed (it could flood the log) */
    atomic_fetch_add_explicit(&u->guest_errors, 1, memory_order_relaxed);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    (void)opaque;
    return (int64_t)host_monotonic_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    struct user_net *u = opaque;
    struct user_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    t->expire_ms = -1;
    t->next = u->timers;
    u->timers = t;
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    struct user_net *u = opaque;
    for (struct user_timer **pp = &u->timers; *pp; pp = &(*pp)->next) {
        if (*pp == timer) {
            *pp = ((struct user_timer *)timer)->next;
            free(timer);
            return;
        }
    }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    struct user_net *u = opaque;
    ((struct user_timer *)timer)->expire_ms = expire_ms;
    uint64_t one = 1;
    if (write(u->wake_fd, &one, sizeof(one)) < 0) {
        /* the counter is saturated: the thread is awake anyway */
    }
}

static void cb_register_poll_fd(int fd, void *opaque)
{
    (void)fd, (void)opaque; /* slirp_pollfds_fill lists every socket before each poll */
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
    (void)fd, (void)opaque;
}

static void cb_notify(void *opaque)
{
    struct user_net *u = opaque;
    uint64_t one = 1;
    if (write(u->wake_fd, &one, sizeof(one)) < 0) {
        /* saturated: already awake */
    }
}

static const SlirpCb user_callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_new = cb_timer_new,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_unregister_poll_fd,
    .notify = cb_notify,
};

/* ---- the poll thread ---------------------------------------------------------------------- */

static int add_poll(int fd, int events, void *opaque)
{
    struct user_pollset *u = opaque;
    if (u->nfds == u->cap) {
        unsigned cap = u->cap ? 2 * u->cap : 64;
        struct pollfd *n = realloc(u->fds, cap * sizeof(*n));
        if (!n)
            return -1;
        u->fds = n;
        u->cap = cap;
    }
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    u->fds[u->nfds] = (struct pollfd){.fd = fd, .events = ev};
    u->sig = (u->sig ^ ((uint64_t)(unsigned)fd << 8 | (uint16_t)ev)) * 0x100000001b3ull;
    return (int)u->nfds++;
}

static int get_revents(int idx, void *opaque)
{
    struct user_pollset *u = opaque;
    if (idx < 0 || (unsigned)idx >= u->nfds)
        return 0;
    short r = u->fds[idx].revents;
    int ev = 0;
    if (r & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (r & POLLERR)
        ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

/* Runs the timers that are due; returns ms until the next one (or the given bound). */
static uint32_t run_timers(struct user_net *u, uint32_t bound)
{
    int64_t now = (int64_t)host_monotonic_ns() / 1000000;
    bool fired;
    do {
        fired = false;
        for (struct user_timer *t = u->timers; t; t = t->next) {
            if (t->expire_ms >= 0 && t->expire_ms <= now) {
                t->expire_ms = -1;
                t->cb(t->cb_opaque); /* may free or re-arm timers: rescan */
                fired = true;
                break;
            }
        }
    } while (fired);
    for (struct user_timer *t = u->timers; t; t = t->next)
        if (t->expire_ms >= 0 && (uint64_t)(t->expire_ms - now) < bound)
            bound = (uint32_t)(t->expire_ms - now);
    return bound;
}

/* Starts a poll set with the wake-up descriptor at index 0, in both sets, so that a socket's
 * index and the set's signature mean the same in each. */
static void pollset_begin(struct user_net *u, struct user_pollset *ps)
{
    ps->nfds = 0;
    ps->sig = 0xcbf29ce484222325ull;
    add_poll(u->wake_fd, SLIRP_POLL_IN, ps);
}

static void *user_thread(void *arg)
{
    struct user_net *u = arg;
    struct user_pollset *ps = &u->ps;
    pthread_mutex_lock(&u->lock);
    while (!atomic_load(&u->quit)) {
        flush_backlog(u);
        pollset_begin(u, ps);
        uint32_t timeout = run_timers(u, 1000);
        /* A backlog: the card is full, so slirp's sockets wait (the wake-up comes with room). */
        bool sockets = !u->bl_count;
        uint64_t gen = 0;
        if (sockets) {
            slirp_pollfds_fill(u->slirp, &timeout, add_poll, ps);
            gen = ++u->fill_gen;
        }
        u->thread_wake_ms = (int64_t)host_monotonic_ns() / 1000000 + timeout;
        pthread_mutex_unlock(&u->lock);
        int rc = poll(ps->fds, ps->nfds, (int)timeout);
        pthread_mutex_lock(&u->lock);
        if (rc > 0 && (ps->fds[0].revents & POLLIN)) {
            uint64_t v;
            if (read(u->wake_fd, &v, sizeof(v)) < 0) {
                /* nothing pending after all */
            }
        }
        /* The vCPU thread polled meanwhile (poll_now): slirp's indices now point into its
         * set, so this poll's results are stale and only slirp's TCP timers run (a delayed
         * acknowledgement must not wait while the guest keeps sending); the sockets are
         * level-triggered, so the next round sees whatever is still pending. */
        if (sockets)
            slirp_pollfds_poll(u->slirp, rc < 0 || gen != u->fill_gen, get_revents, ps);
    }
    pthread_mutex_unlock(&u->lock);
    return NULL;
}

/* The sockets polled without waiting on the vCPU thread, right after a frame from the guest
 * (lock held). The guest's acknowledgements free room in slirp's buffer toward it; reading the
 * host's socket here refills it and queues the next frames for the guest on the same thread,
 * instead of waking the poll thread and waiting until the host schedules it (on a busy host
 * that wait left the guest idle between small batches). Returns whether the thread must be
 * woken: slirp now wants a different poll set than the one the thread waits on (a socket
 * opened or closed, a direction added or dropped) or a sooner time-out. */
static bool poll_now(struct user_net *u)
{
    struct user_pollset *ps = &u->vps;
    if (u->bl_count)
        return true; /* the card is full: the thread hands the backlog over when it has room */
    pollset_begin(u, ps);
    uint32_t timeout = 0;
    slirp_pollfds_fill(u->slirp, &timeout, add_poll, ps);
    u->fill_gen++;
    int rc = poll(ps->fds, ps->nfds, 0);
    slirp_pollfds_poll(u->slirp, rc < 0, get_revents, ps); /* its TCP timers too */
    /* slirp's wishes after its work (what the thread's next fill would ask for), and how soon
     * it wants to be called again (a delayed acknowledgement, its slow timer) */
    pollset_begin(u, ps);
    timeout = 1000;
    slirp_pollfds_fill(u->slirp, &timeout, add_poll, ps);
    u->fill_gen++;
    return ps->sig != u->ps.sig || (int64_t)host_monotonic_ns() / 1000000 + timeout < u->thread_wake_ms;
}

/* ---- the backend ---------------------------------------------------------------------------- */

static void user_start(struct netdev *nd)
{
    struct user_net *u = (struct user_net *)nd;
    if (pthread_create(&u->thread, NULL, user_thread, u) == 0)
        u->thread_started = true;
    else
        fprintf(stderr, "mvisor: -netdev user: cannot start its thread; the network stays silent\n");
}

/* One frame into slirp (lock held). */
static void user_input(struct user_net *u, const struct net_buf *b)
{
    const uint8_t *data = b->data;
    uint32_t len = b->len;
    enum ipfrag_verdict v = ipfrag_guard_input(&u->frags, b->data, b->len, (int64_t)host_monotonic_ns(), &data, &len);
    if (v == IPFRAG_PASS || v == IPFRAG_WHOLE)
        slirp_input(u->slirp, data, (int)len);
    else if (v == IPFRAG_DROP)
        atomic_fetch_add_explicit(&u->nd.stats.dropped, 1, memory_order_relaxed);
}

/* A large TCP frame (TSO) goes to slirp as the segments it stands for, checksums complete;
 * the sockets are polled once after the whole frame. */
static void user_transmit(struct netdev *nd, struct net_buf *b)
{
    struct user_net *u = (struct user_net *)nd;
    struct net_buf *segs[NET_GSO_MAX_SEGS];
    int n = 0;
    if (b->gso_type != NET_GSO_NONE) {
        n = net_gso_segment(b, segs, NET_GSO_MAX_SEGS);
        if (n < 0)
            atomic_fetch_add_explicit(&u->nd.stats.dropped, 1, memory_order_relaxed);
    }
    pthread_mutex_lock(&u->lock);
    if (b->gso_type == NET_GSO_NONE)
        user_input(u, b);
    for (int i = 0; i < n; i++) {
        net_buf_finish_csum(segs[i]);
        user_input(u, segs[i]);
    }
    bool wake = poll_now(u);
    pthread_mutex_unlock(&u->lock);
    for (int i = 0; i < n; i++)
        net_buf_put(segs[i]);
    if (wake)
        cb_notify(u);
}

/* The card has room again (its vCPU thread): the thread hands the backlog over. */
static void user_rx_room(struct netdev *nd)
{
    cb_notify((struct user_net *)nd);
}

static void user_destroy(struct netdev *nd)
{
    struct user_net *u = (struct user_net *)nd;
    if (u->thread_started) {
        atomic_store(&u->quit, true);
        cb_notify(u);
        pthread_join(u->thread, NULL);
    }
    if (u->slirp)
        slirp_cleanup(u->slirp);
    while (u->timers) {
        struct user_timer *t = u->timers;
        u->timers = t->next;
        free(t);
    }
    ipfrag_guard_fini(&u->frags);
    if (u->wake_fd >= 0)
        close(u->wake_fd);
    for (; u->bl_count; u->bl_count--, u->bl_head = (u->bl_head + 1) % USER_BACKLOG)
        net_buf_put(u->backlog[u->bl_head]);
    pthread_mutex_destroy(&u->lock);
    free(u->ps.fds);
    free(u->vps.fds);
    free(u);
}

static const struct netdev_ops user_ops = {
    .start = user_start,
    .transmit = user_transmit,
    .rx_room = user_rx_room,
    .destroy = user_destroy,
};

static struct in_addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return (struct in_addr){.s_addr = htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d)};
}

int net_user_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen)
{
    struct user_net *u = calloc(1, sizeof(*u));
    if (!u) {
        snprintf(err, errlen, "netdev '%s': out of memory", cfg->id);
        return -ENOMEM;
    }
    u->nd.ops = &user_ops;
    u->nd.gso = true; /* user_transmit segments for slirp: the guest sends fewer, larger frames */
    pthread_mutex_init(&u->lock, NULL);
    u->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (u->wake_fd < 0) {
        int e = errno;
        snprintf(err, errlen, "netdev '%s': eventfd: %s", cfg->id, strerror(e));
        user_destroy(&u->nd);
        return -e;
    }
    SlirpConfig sc = {
        .version = 1,
        .restricted = cfg->restricted,
        .in_enabled = true,
        .vnetwork = ip4(10, 0, 2, 0),
        .vnetmask = ip4(255, 255, 255, 0),
        .vhost = ip4(10, 0, 2, 2),
        .in6_enabled = false,
        .vdhcp_start = ip4(10, 0, 2, 15),
        .vnameserver = ip4(10, 0, 2, 3),
    };
    u->slirp = slirp_new(&sc, &user_callbacks, u);
    if (!u->slirp) {
        snprintf(err, errlen, "netdev '%s': libslirp would not start", cfg->id);
        user_destroy(&u->nd);
        return -EINVAL;
    }
    for (unsigned i = 0; i < cfg->nhostfwd; i++) {
        const struct netdev_hostfwd *f = &cfg->hostfwd[i];
        struct in_addr h = {.s_addr = f->host_addr}, g = {.s_addr = f->guest_addr};
        if (slirp_add_hostfwd(u->slirp, f->udp, h, f->host_port, g, f->guest_port) < 0) {
            snprintf(err, errlen, "netdev '%s': cannot forward host %s port %u (in use, or not an address of this host)",
                     cfg->id, f->udp ? "UDP" : "TCP", f->host_port);
            user_destroy(&u->nd);
            return -EADDRINUSE;
        }
    }
    *out = &u->nd;
    return 0;
}

/*
 * "-netdev switch,id=N,switch=NAME": a learning Ethernet switch inside the monitor. Every
 * netdev naming the same switch is one of its ports, whichever VM it belongs to; the switch
 * exists while it has ports.
 *
 * Forwarding as a transparent bridge does it (IEEE 802.1D §7.7, §7.9): the source address of
 * every frame is learned for the port it came in on; a frame to a group address (broadcast,
 * multicast) or to an address not in the table is flooded to every other port; a frame to a
 * known address goes to its port only, and is dropped if that is the port it came from. An
 * entry not refreshed for the ageing time (802.1D's default, 300 s) is forgotten; the table
 * is bounded, and when it is full the oldest entry makes room.
 *
 * Copies: the sender's card made one net_buf from guest RAM; the switch hands references to
 * that buffer to the ports (a flood shares it), and each receiving card copies it into its
 * guest once. A large TCP frame from a guest using TSO (net.h) travels whole: the receiving
 * card gives it to its guest whole if that guest takes such frames, or cuts it into segments
 * (devices/net/gso.c), so two guests with TSO exchange 64 KiB per frame.
 *
 * Backpressure, never a drop for a receiver that is merely slower: a frame to a known address
 * whose card has no room is refused back to the sending card (-EAGAIN), which leaves it in its
 * guest's transmit ring; the sender is noted as blocked on that port and resumed when the
 * receiving card has drained (sw_rx_room), as QEMU's socket backend stops reading. Nothing
 * waits on a host thread, so VMs sending to each other in a cycle cannot deadlock: each vCPU
 * goes on draining its own receive queue. A frame that floods (broadcast, multicast, unknown
 * address) is never held: a full card's copy is dropped (counted: rx_flood_dropped), so one
 * full port cannot hold up traffic to the others.
 *
 * A receiver that never drains (a guest that stopped reading its ring, a paused VM), or drains
 * only a trickle, must not hold its senders for ever. The bound: a port that, from the first
 * frame it refused, has not taken SWITCH_DEAF_MIN_TAKEN frames within SWITCH_DEAF_NS is deaf:
 * frames for it are dropped (counted, its netdev's rx_deaf_dropped and its card's queue-full)
 * and hold nobody, and every sender blocked on it resumes. It hears again once its card has
 * drained to half its queue. A receiver that is slow but reading (a VM starved of host CPU)
 * takes that many within the period and stays a receiver that holds its senders. A sender is
 * thus held at most SWITCH_DEAF_NS (plus one retry period, NET_TX_RETRY_NS) per episode by a
 * deaf port, and a trickling one passes it at least SWITCH_DEAF_MIN_TAKEN frames per period.
 *
 * Threads: a port transmits on its VM's vCPU thread, so several VMs may be in the switch at
 * once; one mutex per switch covers the table and the port list, and delivery happens under
 * it (a card's receive only queues and kicks), so a port that leaves is never delivered to
 * afterwards. The registry of switches by name has its own mutex, taken before a switch's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/host_clock.h"
#include "devices/net/internal.h"

#define SWITCH_NAME_MAX 64
#define SWITCH_MAX_PORTS 64
#define SWITCH_TABLE_SIZE 1024
#define SWITCH_AGEING_NS (300ull * 1000000000ull)
/* How long a full receiver may hold its senders, and how many frames it must take meanwhile,
 * before it counts as deaf (above). */
#define SWITCH_DEAF_NS 500000000ull
#define SWITCH_DEAF_MIN_TAKEN 64u

struct sw_port;

struct sw_entry {
    uint8_t mac[NET_MAC_LEN];
    struct sw_port *port; /* NULL: free */
    uint64_t seen_ns;
};

struct net_switch {
    struct net_switch *next; /* the registry */
    char name[SWITCH_NAME_MAX + 1];
    unsigned users;          /* netdevs created on it */
    pthread_mutex_t lock;
    struct sw_port *ports[SWITCH_MAX_PORTS];
    unsigned nports;
    struct sw_entry table[SWITCH_TABLE_SIZE];
    uint64_t flooded, forwarded, filtered, deafened;
};

struct sw_port {
    struct netdev nd;
    struct net_switch *sw;
    bool started;
    /* under sw->lock: the port this one's card waits on (NULL: none); since when this port's
     * card has been refusing frames (0: it has room), and whether it is deaf */
    struct sw_port *blocked_on;
    uint64_t refusing_since;
    unsigned taken; /* frames it took since refusing_since */
    bool deaf;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_switch *registry;

static struct sw_entry *table_find(struct net_switch *sw, const uint8_t *mac, uint64_t now)
{
    for (unsigned i = 0; i < SWITCH_TABLE_SIZE; i++) {
        struct sw_entry *e = &sw->table[i];
        if (e->port && !memcmp(e->mac, mac, NET_MAC_LEN)) {
            if (now - e->seen_ns > SWITCH_AGEING_NS) {
                e->port = NULL;
                return NULL;
            }
            return e;
        }
    }
    return NULL;
}

static void table_learn(struct net_switch *sw, const uint8_t *mac, struct sw_port *p, uint64_t now)
{
    struct sw_entry *e = table_find(sw, mac, now), *victim = NULL;
    if (!e) {
        for (unsigned i = 0; i < SWITCH_TABLE_SIZE && !e; i++) {
            struct sw_entry *c = &sw->table[i];
            if (!c->port || now - c->seen_ns > SWITCH_AGEING_NS)
                e = c;
            else if (!victim || c->seen_ns < victim->seen_ns)
                victim = c;
        }
        if (!e)
            e = victim;
        memcpy(e->mac, mac, NET_MAC_LEN);
    }
    e->port = p;
    e->seen_ns = now;
}

/* Every port blocked on q may offer its frame again (lock held). */
static void resume_blocked_on(struct net_switch *sw, struct sw_port *q)
{
    for (unsigned i = 0; i < sw->nports; i++) {
        struct sw_port *r = sw->ports[i];
        if (r->blocked_on == q) {
            r->blocked_on = NULL;
            if (r->nd.port.tx_resume)
                r->nd.port.tx_resume(r->nd.port.ctx);
        }
    }
}

/* A frame to q's card alone (lock held): 0 taken or dropped, -EAGAIN when p is to wait. */
static int forward(struct net_switch *sw, struct sw_port *p, struct sw_port *q, struct net_buf *b, bool may_hold,
                   uint64_t now)
{
    sw->forwarded++;
    if (!may_hold || q->deaf) {
        if (q->deaf)
            atomic_fetch_add_explicit(&q->nd.stats.rx_deaf_dropped, 1, memory_order_relaxed);
        netdev_deliver(&q->nd, b); /* the card takes it or drops it and counts */
        return 0;
    }
    if (netdev_deliver_offer(&q->nd, b) == 0) {
        if (q->refusing_since && ++q->taken >= SWITCH_DEAF_MIN_TAKEN)
            q->refusing_since = 0; /* it reads: a new period from its next refusal */
        return 0;
    }
    if (!q->refusing_since) {
        q->refusing_since = now ? now : 1;
        q->taken = 0;
    } else if (now - q->refusing_since >= SWITCH_DEAF_NS) {
        q->deaf = true;
        sw->deafened++;
        atomic_fetch_add_explicit(&q->nd.stats.rx_deaf_dropped, 1, memory_order_relaxed);
        netdev_deliver(&q->nd, b);
        resume_blocked_on(sw, q);
        return 0;
    }
    p->blocked_on = q;
    atomic_fetch_add_explicit(&p->nd.stats.tx_held, 1, memory_order_relaxed);
    return -EAGAIN;
}

static int sw_send(struct netdev *nd, struct net_buf *b, bool may_hold)
{
    struct sw_port *p = (struct sw_port *)nd;
    struct net_switch *sw = p->sw;
    if (b->len < NET_ETH_HLEN)
        return 0;
    const uint8_t *dst = b->data, *src = b->data + NET_MAC_LEN;
    uint64_t now = host_monotonic_ns();
    int rc = 0;
    pthread_mutex_lock(&sw->lock);
    if (!(src[0] & 1))
        table_learn(sw, src, p, now);
    struct sw_entry *e = (dst[0] & 1) ? NULL : table_find(sw, dst, now);
    if (e) {
        if (e->port != p && e->port->started)
            rc = forward(sw, p, e->port, b, may_hold && p->nd.port.tx_resume, now);
        else
            sw->filtered++;
    } else {
        sw->flooded++;
        for (unsigned i = 0; i < sw->nports; i++) {
            struct sw_port *q = sw->ports[i];
            if (q != p && q->started && netdev_deliver_offer(&q->nd, b) < 0)
                atomic_fetch_add_explicit(&q->nd.stats.rx_flood_dropped, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&sw->lock);
    return rc;
}

static void sw_transmit(struct netdev *nd, struct net_buf *b)
{
    sw_send(nd, b, false);
}

static int sw_offer(struct netdev *nd, struct net_buf *b)
{
    return sw_send(nd, b, true);
}

/* q's card drained after refusing: it hears again, and whoever waited on it goes on. */
static void sw_rx_room(struct netdev *nd)
{
    struct sw_port *q = (struct sw_port *)nd;
    struct net_switch *sw = q->sw;
    pthread_mutex_lock(&sw->lock);
    q->refusing_since = 0;
    q->deaf = false;
    resume_blocked_on(sw, q);
    pthread_mutex_unlock(&sw->lock);
}

static void sw_start(struct netdev *nd)
{
    struct sw_port *p = (struct sw_port *)nd;
    pthread_mutex_lock(&p->sw->lock);
    p->started = true;
    pthread_mutex_unlock(&p->sw->lock);
}

static void sw_destroy(struct netdev *nd)
{
    struct sw_port *p = (struct sw_port *)nd;
    struct net_switch *sw = p->sw;
    pthread_mutex_lock(&registry_lock);
    pthread_mutex_lock(&sw->lock);
    for (unsigned i = 0; i < sw->nports; i++) {
        if (sw->ports[i] == p) {
            sw->ports[i] = sw->ports[--sw->nports];
            break;
        }
    }
    resume_blocked_on(sw, p); /* nobody waits on a port that left */
    for (unsigned i = 0; i < SWITCH_TABLE_SIZE; i++)
        if (sw->table[i].port == p)
            sw->table[i].port = NULL;
    bool last = --sw->users == 0;
    pthread_mutex_unlock(&sw->lock);
    if (last) {
        for (struct net_switch **pp = &registry; *pp; pp = &(*pp)->next) {
            if (*pp == sw) {
                *pp = sw->next;
                break;
            }
        }
        pthread_mutex_destroy(&sw->lock);
        free(sw);
    }
    pthread_mutex_unlock(&registry_lock);
    free(p);
}

static const struct netdev_ops sw_ops = {
    .start = sw_start,
    .transmit = sw_transmit,
    .offer = sw_offer,
    .rx_room = sw_rx_room,
    .destroy = sw_destroy,
};

int net_switch_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen)
{
    const char *name = cfg->switch_name;
    if (!name || !*name || strlen(name) > SWITCH_NAME_MAX) {
        snprintf(err, errlen, "netdev '%s': switch= needs a name of 1 to %d characters", cfg->id, SWITCH_NAME_MAX);
        return -EINVAL;
    }
    struct sw_port *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "netdev '%s': out of memory", cfg->id);
        return -ENOMEM;
    }
    p->nd.ops = &sw_ops;
    p->nd.partial_csum = true; /* every port is a card: each completes what its guest cannot */
    p->nd.gso = true;          /* and each cuts up the large frames its guest does not take */
    pthread_mutex_lock(&registry_lock);
    struct net_switch *sw = registry;
    while (sw && strcmp(sw->name, name))
        sw = sw->next;
    if (!sw) {
        sw = calloc(1, sizeof(*sw));
        if (!sw) {
            pthread_mutex_unlock(&registry_lock);
            free(p);
            snprintf(err, errlen, "netdev '%s': out of memory", cfg->id);
            return -ENOMEM;
        }
        strcpy(sw->name, name);
        pthread_mutex_init(&sw->lock, NULL);
        sw->next = registry;
        registry = sw;
    }
    pthread_mutex_lock(&sw->lock);
    int rc = 0;
    if (sw->nports >= SWITCH_MAX_PORTS) {
        snprintf(err, errlen, "switch '%s' has its %d ports in use", name, SWITCH_MAX_PORTS);
        rc = -ENOSPC;
    } else {
        sw->ports[sw->nports++] = p;
        sw->users++;
        p->sw = sw;
    }
    pthread_mutex_unlock(&sw->lock);
    pthread_mutex_unlock(&registry_lock);
    if (rc < 0) {
        free(p);
        return rc;
    }
    *out = &p->nd;
    return 0;
}

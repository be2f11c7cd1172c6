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
 * guest once.
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
#include <time.h>

#include "devices/net/internal.h"

#define SWITCH_NAME_MAX 64
#define SWITCH_MAX_PORTS 64
#define SWITCH_TABLE_SIZE 1024
#define SWITCH_AGEING_NS (300ull * 1000000000ull)

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
    uint64_t flooded, forwarded, filtered;
};

struct sw_port {
    struct netdev nd;
    struct net_switch *sw;
    bool started;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_switch *registry;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static void sw_transmit(struct netdev *nd, struct net_buf *b)
{
    struct sw_port *p = (struct sw_port *)nd;
    struct net_switch *sw = p->sw;
    if (b->len < NET_ETH_HLEN)
        return;
    const uint8_t *dst = b->data, *src = b->data + NET_MAC_LEN;
    uint64_t now = now_ns();
    pthread_mutex_lock(&sw->lock);
    if (!(src[0] & 1))
        table_learn(sw, src, p, now);
    struct sw_entry *e = (dst[0] & 1) ? NULL : table_find(sw, dst, now);
    if (e) {
        if (e->port != p && e->port->started) {
            sw->forwarded++;
            netdev_deliver(&e->port->nd, b);
        } else {
            sw->filtered++;
        }
    } else {
        sw->flooded++;
        for (unsigned i = 0; i < sw->nports; i++)
            if (sw->ports[i] != p && sw->ports[i]->started)
                netdev_deliver(&sw->ports[i]->nd, b);
    }
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

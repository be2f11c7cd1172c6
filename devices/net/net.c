/*
 * The frame buffers, the hostfwd syntax and the dispatch to the backends (devices/net/net.h).
 *
 * hostfwd follows QEMU's "-netdev user" documentation: [tcp|udp]:[hostaddr]:hostport-
 * [guestaddr]:guestport, the protocol tcp when left out, an empty address meaning any (host) or
 * the first DHCP address (guest).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/net/internal.h"

struct net_buf *net_buf_new(const void *data, uint32_t len)
{
    struct net_buf *b = malloc(sizeof(*b) + len);
    if (!b)
        return NULL;
    atomic_init(&b->ref, 1);
    b->len = len;
    b->csum = NET_CSUM_NONE;
    b->csum_start = b->csum_offset = 0;
    b->gso_type = NET_GSO_NONE;
    b->gso_size = b->hdr_len = 0;
    b->page_lo = b->page_hi = 0;
    if (data)
        memcpy(b->data, data, len);
    return b;
}

void net_buf_put(struct net_buf *b)
{
    if (b && atomic_fetch_sub_explicit(&b->ref, 1, memory_order_acq_rel) == 1)
        free(b);
}

uint64_t net_csum_add(const uint8_t *p, uint32_t n)
{
    uint64_t sum = 0;
    for (; n >= 2; p += 2, n -= 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t net_csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t net_csum_partial(const struct net_buf *b)
{
    return (uint16_t)~net_csum_fold(net_csum_add(b->data + b->csum_start, b->len - b->csum_start));
}

void net_buf_finish_csum(struct net_buf *b)
{
    if (b->csum != NET_CSUM_PARTIAL)
        return;
    uint16_t c = net_csum_partial(b);
    b->data[b->csum_start + b->csum_offset] = (uint8_t)(c >> 8);
    b->data[b->csum_start + b->csum_offset + 1] = (uint8_t)c;
    b->csum = NET_CSUM_NONE;
}

bool netdev_takes_partial_csum(const struct netdev *nd)
{
    return nd && nd->partial_csum;
}

static bool parse_port(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || *s == '+' || v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool parse_addr(const char *s, uint32_t *addr)
{
    struct in_addr a;
    if (!*s) {
        *addr = 0;
        return true;
    }
    if (!strcmp(s, "localhost"))
        s = "127.0.0.1";
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *addr = a.s_addr;
    return true;
}

/* "ADDR:PORT" with ADDR possibly empty; s is modified. */
static bool parse_endpoint(char *s, uint32_t *addr, uint16_t *port)
{
    char *colon = strrchr(s, ':');
    if (!colon)
        return false;
    *colon = 0;
    return parse_addr(s, addr) && parse_port(colon + 1, port);
}

bool netdev_parse_hostport(const char *v, uint32_t *addr, uint16_t *port)
{
    char buf[128];
    if (strlen(v) >= sizeof(buf))
        return false;
    strcpy(buf, v);
    return parse_endpoint(buf, addr, port);
}

bool netdev_parse_hostfwd(const char *v, struct netdev_hostfwd *out, char *err, size_t errlen)
{
    char buf[128];
    if (strlen(v) >= sizeof(buf)) {
        snprintf(err, errlen, "hostfwd=%s is too long", v);
        return false;
    }
    strcpy(buf, v);
    memset(out, 0, sizeof(*out));
    char *s = buf;
    if (!strncmp(s, "tcp:", 4)) {
        s += 4;
    } else if (!strncmp(s, "udp:", 4)) {
        out->udp = true;
        s += 4;
    } else if (*s != ':') {
        snprintf(err, errlen, "hostfwd=%s: the protocol is tcp or udp", v);
        return false;
    } else {
        s += 1; /* ":HOSTADDR:..." leaves the protocol out */
    }
    char *dash = strchr(s, '-');
    if (!dash || !parse_endpoint(dash + 1, &out->guest_addr, &out->guest_port) ||
        (*dash = 0, !parse_endpoint(s, &out->host_addr, &out->host_port))) {
        snprintf(err, errlen, "hostfwd=%s is not [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT", v);
        return false;
    }
    return true;
}

int netdev_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen)
{
    switch (cfg->type) {
    case NETDEV_USER:
        return net_user_create(out, cfg, err, errlen);
    case NETDEV_SWITCH:
        return net_switch_create(out, cfg, err, errlen);
    case NETDEV_SOCKET:
        return net_socket_create(out, cfg, err, errlen);
    }
    snprintf(err, errlen, "netdev '%s': unknown type", cfg->id ? cfg->id : "");
    return -EINVAL;
}

void netdev_destroy(struct netdev *nd)
{
    if (nd)
        nd->ops->destroy(nd);
}

void netdev_attach(struct netdev *nd, const struct net_port *port)
{
    nd->port = *port;
    if (nd->ops->start)
        nd->ops->start(nd);
}

void netdev_transmit(struct netdev *nd, struct net_buf *b)
{
    atomic_fetch_add_explicit(&nd->stats.tx_frames, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&nd->stats.tx_bytes, b->len, memory_order_relaxed);
    nd->ops->transmit(nd, b);
}

int netdev_offer(struct netdev *nd, struct net_buf *b)
{
    if (!nd->ops->offer) {
        netdev_transmit(nd, b);
        return 0;
    }
    int rc = nd->ops->offer(nd, b);
    if (rc == 0) {
        atomic_fetch_add_explicit(&nd->stats.tx_frames, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&nd->stats.tx_bytes, b->len, memory_order_relaxed);
    }
    return rc;
}

void netdev_rx_room(struct netdev *nd)
{
    if (nd && nd->ops->rx_room)
        nd->ops->rx_room(nd);
}

int netdev_deliver_offer(struct netdev *nd, struct net_buf *b)
{
    if (!nd->port.offer) {
        netdev_deliver(nd, b);
        return 0;
    }
    int rc = nd->port.offer(nd->port.ctx, b);
    if (rc == 0) {
        atomic_fetch_add_explicit(&nd->stats.rx_frames, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&nd->stats.rx_bytes, b->len, memory_order_relaxed);
    }
    return rc;
}

void netdev_deliver(struct netdev *nd, struct net_buf *b)
{
    if (!nd->port.receive) {
        atomic_fetch_add_explicit(&nd->stats.dropped, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&nd->stats.rx_frames, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&nd->stats.rx_bytes, b->len, memory_order_relaxed);
    nd->port.receive(nd->port.ctx, b);
}

bool netdev_takes_gso(const struct netdev *nd)
{
    return nd && nd->gso;
}

const struct netdev_stats *netdev_stats(const struct netdev *nd)
{
    return &nd->stats;
}

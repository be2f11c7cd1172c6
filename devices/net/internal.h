/* devices/net internal: what every backend provides (net.c dispatches to it). */
#ifndef MVISOR_NET_INTERNAL_H
#define MVISOR_NET_INTERNAL_H

#include "devices/net/net.h"

struct netdev_ops {
    /* The card is plugged in (nd->port is set): start delivering. */
    void (*start)(struct netdev *nd);
    void (*transmit)(struct netdev *nd, struct net_buf *b);
    /* Optional (backpressure): as transmit, or -EAGAIN to hold the sender back (net.h). */
    int (*offer)(struct netdev *nd, struct net_buf *b);
    /* Optional: the card made room after refusing an offer. */
    void (*rx_room)(struct netdev *nd);
    void (*destroy)(struct netdev *nd);
};

struct netdev {
    const struct netdev_ops *ops;
    struct net_port port;
    struct netdev_stats stats;
    bool partial_csum; /* carries NET_CSUM_PARTIAL frames as they are */
    bool gso;          /* takes frames with a gso_type (net.h) */
};

/* Hands b to the card (any thread), counting it. */
void netdev_deliver(struct netdev *nd, struct net_buf *b);
/* Offers b to a card that may refuse it: 0 taken, -EAGAIN no room (the card calls
 * netdev_rx_room later); a card without offer takes or drops it as netdev_deliver. */
int netdev_deliver_offer(struct netdev *nd, struct net_buf *b);

/* The guest's IPv4 fragments, reassembled before libslirp sees them (devices/net/ipfrag_guard.c). */
#define IPFRAG_GUARD_SLOTS 16
#define IPFRAG_GUARD_TTL_NS (10ll * 1000000000)
struct ipfrag_datagram {
    uint8_t *buf;     /* the frame being put together (NULL: a free slot) */
    uint8_t proto;
    uint16_t id;
    uint8_t addrs[8]; /* source and destination, as in the header */
    unsigned hlen;    /* the first fragment's IP header length */
    unsigned next;    /* the offset in bytes the next fragment must start at */
    int64_t started_ns;
};
struct ipfrag_guard {
    struct ipfrag_datagram d[IPFRAG_GUARD_SLOTS];
    uint8_t *out;     /* the last whole datagram handed out */
    uint64_t dropped;
};
enum ipfrag_verdict {
    IPFRAG_PASS,  /* not a fragment: give the frame to slirp as it is */
    IPFRAG_HELD,  /* a fragment kept until its datagram is complete */
    IPFRAG_WHOLE, /* the datagram is complete: give *out (valid until the next call) instead */
    IPFRAG_DROP,
};
enum ipfrag_verdict ipfrag_guard_input(struct ipfrag_guard *g, const uint8_t *frame, uint32_t len, int64_t now_ns,
                                       const uint8_t **out, uint32_t *out_len);
void ipfrag_guard_fini(struct ipfrag_guard *g);

int net_user_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);
int net_socket_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);
int net_switch_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);

#endif

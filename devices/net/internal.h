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
};

/* Hands b to the card (any thread), counting it. */
void netdev_deliver(struct netdev *nd, struct net_buf *b);
/* Offers b to a card that may refuse it: 0 taken, -EAGAIN no room (the card calls
 * netdev_rx_room later); a card without offer takes or drops it as netdev_deliver. */
int netdev_deliver_offer(struct netdev *nd, struct net_buf *b);

int net_user_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);
int net_socket_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);
int net_switch_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);

#endif

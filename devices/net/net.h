/*
 * devices/net: Ethernet frames between a VM's network card and what it is plugged into (a
 * backend, QEMU's "-netdev"): host networking through libslirp ("user"), a learning switch
 * shared by the VMs of one monitor ("switch").
 *
 * A frame is a struct net_buf, reference-counted and never changed once made: the card copies
 * a frame out of guest RAM once into a net_buf, and every port it reaches (the switch floods
 * to several) holds a reference to that same buffer until it has copied it into its guest.
 *
 * Threads. A card hands frames to its backend on its VM's vCPU thread (netdev_transmit). A
 * backend hands frames to the card from any thread (its own poll thread, another VM's vCPU
 * thread) through struct net_port.receive, which must be thread-safe and must not block: the
 * card queues the frame and asks its vCPU thread to take it.
 */
#ifndef MVISOR_NET_H
#define MVISOR_NET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_ETH_HLEN 14
/* Largest frame without the FCS: 1500 bytes of payload, the header and one 802.1Q tag. */
#define NET_FRAME_MAX 1518
#define NET_MAC_LEN 6

/* A frame's checksum state (the meaning of virtio-net's header flags, Linux
 * include/uapi/linux/virtio_net.h): NET_CSUM_PARTIAL, the TCP/UDP checksum is still to be
 * computed over [csum_start, len) and stored at csum_start + csum_offset (the field holds the
 * pseudo-header's sum); NET_CSUM_VALID, the sender vouches for every checksum in it. */
enum net_csum { NET_CSUM_NONE = 0, NET_CSUM_PARTIAL = 1, NET_CSUM_VALID = 2 };

struct net_buf {
    _Atomic unsigned ref;
    uint32_t len;
    uint8_t csum;                    /* enum net_csum */
    uint16_t csum_start, csum_offset; /* NET_CSUM_PARTIAL */
    uint8_t data[];
};

/* The Internet checksum (RFC 1071) a NET_CSUM_PARTIAL frame still needs, as stored. */
uint16_t net_csum_partial(const struct net_buf *b);
/* Completes a NET_CSUM_PARTIAL frame in place (the caller holds the only reference). */
void net_buf_finish_csum(struct net_buf *b);

/* A buffer of len bytes (contents copied from data if not NULL), one reference; NULL if out of
 * memory. */
struct net_buf *net_buf_new(const void *data, uint32_t len);
static inline void net_buf_get(struct net_buf *b)
{
    atomic_fetch_add_explicit(&b->ref, 1, memory_order_relaxed);
}
void net_buf_put(struct net_buf *b);

/* The card's side of a backend: where frames for the guest go. receive takes its own
 * reference if it keeps the buffer. */
struct net_port {
    void (*receive)(void *ctx, struct net_buf *b);
    void *ctx;
};

/* ---- configuration (parsed by the monitor, QEMU's -netdev spellings) ------------------ */

enum netdev_type { NETDEV_USER = 1, NETDEV_SWITCH, NETDEV_SOCKET };
enum netdev_socket_mode { NETDEV_SOCKET_LISTEN = 1, NETDEV_SOCKET_CONNECT, NETDEV_SOCKET_UDP };

#define NETDEV_MAX_HOSTFWD 8
struct netdev_hostfwd {
    bool udp;
    uint32_t host_addr;  /* network order; 0 = any */
    uint16_t host_port;
    uint32_t guest_addr; /* network order; 0 = the first DHCP address */
    uint16_t guest_port;
};

struct netdev_config {
    enum netdev_type type;
    const char *id;
    /* user */
    bool restricted;
    unsigned nhostfwd;
    struct netdev_hostfwd hostfwd[NETDEV_MAX_HOSTFWD];
    /* switch */
    const char *switch_name;
    /* socket: listen=/connect=/udp= ADDR:PORT (network order address, 0 = any), udp's localaddr= */
    enum netdev_socket_mode sock_mode;
    uint32_t sock_addr, sock_local_addr;
    uint16_t sock_port, sock_local_port;
};

/* Parses QEMU's hostfwd value "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT"; false
 * with a message in err. */
bool netdev_parse_hostfwd(const char *v, struct netdev_hostfwd *out, char *err, size_t errlen);

/* Parses "[ADDR]:PORT" (dotted IPv4 or localhost; empty: any); false if it is not one. */
bool netdev_parse_hostport(const char *v, uint32_t *addr, uint16_t *port);

/* ---- a backend ------------------------------------------------------------------------ */

struct netdev_stats {
    _Atomic uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes, dropped;
};

struct netdev;

/* Creates the backend cfg describes (the switch is found or made by name). -errno with one
 * line in err. */
int netdev_create(struct netdev **out, const struct netdev_config *cfg, char *err, size_t errlen);
/* Stops the backend: when it returns nothing calls the port's receive any more. */
void netdev_destroy(struct netdev *nd);
/* Plugs a card in (once, before the VM runs). */
void netdev_attach(struct netdev *nd, const struct net_port *port);
/* A frame from the guest (the card's vCPU thread); takes its own reference if it keeps b. */
void netdev_transmit(struct netdev *nd, struct net_buf *b);
const struct netdev_stats *netdev_stats(const struct netdev *nd);
/* Whether the backend carries NET_CSUM_PARTIAL frames as they are (a switch between cards);
 * the others get complete frames. */
bool netdev_takes_partial_csum(const struct netdev *nd);

#endif

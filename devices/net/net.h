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
 *
 * Backpressure (the switch): a card offers a frame (netdev_offer) instead of handing it over;
 * a backend that can hold the sender back rather than drop answers -EAGAIN when the receiving
 * card's queue is full (struct net_port.offer). The sending card then leaves that chain in its
 * transmit ring, unconsumed, until the backend calls its tx_resume (the receiver made room) or
 * NET_TX_RETRY_NS have passed; the receiving card calls netdev_rx_room once it has drained what
 * it refused. Nothing waits on a host thread: a vCPU only stops consuming its transmit ring.
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

/* A frame may be one TCP segment larger than the link takes (TSO, devices/net/gso.c): gso_type
 * says which (virtio-net's values, Linux include/uapi/linux/virtio_net.h), gso_size is the
 * payload of each segment it stands for, hdr_len the length of its Ethernet, IP and TCP
 * headers. Such a frame is always NET_CSUM_PARTIAL over its TCP checksum, and was checked by
 * net_gso_prepare where it came in. */
enum net_gso { NET_GSO_NONE = 0, NET_GSO_TCPV4 = 1, NET_GSO_TCPV6 = 4 };
/* The largest such frame: an IPv4 total length of 64 KiB - 1, the Ethernet header and a tag. */
#define NET_GSO_FRAME_MAX (65535 + NET_ETH_HLEN + 4)
/* The most segments one may stand for (1448-byte segments need 46). */
#define NET_GSO_MAX_SEGS 1024

struct net_buf {
    _Atomic unsigned ref;
    uint32_t len;
    uint8_t csum;                    /* enum net_csum */
    uint8_t gso_type;                /* enum net_gso */
    uint16_t csum_start, csum_offset; /* NET_CSUM_PARTIAL */
    uint16_t gso_size, hdr_len;      /* gso_type != NET_GSO_NONE */
    /* --profile: the frame offsets [page_lo, page_hi) that lay on whole page-aligned pages of
     * the sender's guest memory, all at one offset within a page (empty: none, or several) */
    uint32_t page_lo, page_hi;
    uint8_t data[];
};

/* Checks a large frame's headers (gso_type, gso_size and the partial checksum set by the
 * sender; anything else about it may be hostile) and sets hdr_len: 0, or -EINVAL when it is
 * not one IPv4/IPv6 TCP segment, untagged or with one 802.1Q tag, whose pieces would each be
 * an ordinary frame (at most NET_GSO_MAX_SEGS of them). */
int net_gso_prepare(struct net_buf *b);
/* Cuts a prepared frame into ordinary frames (NET_CSUM_PARTIAL each), stored in out[]: their
 * number, or -E2BIG if more than max, -ENOMEM (nothing stored). */
int net_gso_segment(const struct net_buf *b, struct net_buf **out, unsigned max);

/* The Internet checksum (RFC 1071) a NET_CSUM_PARTIAL frame still needs, as stored. */
/* The Internet checksum's one's-complement sum of n bytes as big-endian words (RFC 1071),
 * unfolded, and its fold to 16 bits. */
uint64_t net_csum_add(const uint8_t *p, uint32_t n);
uint16_t net_csum_fold(uint64_t sum);
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
    /* Optional: takes b (its own reference) and returns 0, or leaves it and returns -EAGAIN
     * when the card has no room; the card then calls netdev_rx_room once it has room again. */
    int (*offer)(void *ctx, struct net_buf *b);
    /* Optional: a frame netdev_offer held back may be offered again (any thread, must not
     * block). */
    void (*tx_resume)(void *ctx);
    void *ctx;
};

/* A card whose frame was held back offers it again at least this often, whether or not
 * tx_resume came (the backend drops it when the receiver stays full: devices/net/switch.c). */
#define NET_TX_RETRY_NS 20000000ull

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
    /* the switch: frames of this port held back for a full receiver; frames for this port
     * dropped because its card stayed full past the switch's bound (a deaf receiver), or
     * because it was full when a flood (broadcast, multicast, unknown address) came */
    _Atomic uint64_t tx_held, rx_deaf_dropped, rx_flood_dropped;
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
/* The same for a card that can wait: 0 when b was taken (or dropped), -EAGAIN when the backend
 * holds the sender back (see above); backends without backpressure always take it. */
int netdev_offer(struct netdev *nd, struct net_buf *b);
/* The card made room after its offer callback refused a frame (its vCPU thread). */
void netdev_rx_room(struct netdev *nd);
const struct netdev_stats *netdev_stats(const struct netdev *nd);
/* Whether the backend carries NET_CSUM_PARTIAL frames as they are (a switch between cards);
 * the others get complete frames. */
bool netdev_takes_partial_csum(const struct netdev *nd);
/* Whether the backend takes large TCP frames (net_buf.gso_type): the switch passes them on,
 * user segments them for slirp; a socket's peer may be a NIC that takes none. */
bool netdev_takes_gso(const struct netdev *nd);

#endif

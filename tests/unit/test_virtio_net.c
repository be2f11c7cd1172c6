/*
 * Unit tests of virtio-net over the legacy PCI transport (devices/virtio/virtio_net.c) and of
 * the learning switch (devices/net/switch.c), driven the way Linux's virtio_pci_legacy and
 * virtio_net drive the card: registers in BAR 0, rings in fake guest RAM, a test backend that
 * records what the card transmits and hands it frames from another thread.
 *
 * What a guest must not get past: a frame shorter than an Ethernet header or longer than
 * NET_FRAME_MAX, a header asking for checksum or segmentation offload (dropped, counted, the
 * chain returned, the backend untouched); a buffer outside RAM or a runaway available index
 * (NEEDS_RESET, nothing transmitted, the device registers never touched by DMA). Frames for a
 * guest without receive buffers wait (bounded: the rest are dropped and counted), a frame that
 * does not fit the next buffer is dropped and the buffer serves the next frame, frames for a
 * driver that is not ready are dropped; a reset forgets queued frames. Checksum offload: a
 * partial checksum completed for a backend that wants whole frames (checked against RFC 1071
 * computed here), passed on flagged to a driver that took GUEST_CSUM and completed on the way
 * in for one that did not; a checksum field outside the frame refused. TSO: host TSO offered
 * only to a backend that takes large frames; a large frame goes to it whole, a lying IPv4
 * length, ECN, UDP, no NEEDS_CSUM or a checksum not at the TCP header dropped and counted; a
 * large frame for a guest without GUEST_TSO arrives as its segments. Mergeable buffers: a
 * large frame over two buffers, waiting with the first until the second comes, num_buffers
 * and the GSO header right; the 12-byte header on transmit.
 *
 * Backpressure: a frame the backend holds back leaves its chain, and every chain after it, in
 * the transmit ring until the backend's tx_resume or the retry period, then they go in order;
 * a full card refuses an offered frame (no drop) and tells the backend once it has drained to
 * half. The switch holds a sender back on a full receiver and resumes it when that one makes
 * room, never holds a flood, and after its bound treats a receiver that never drains as deaf
 * (drops counted, its senders resumed) until it drains, while one that takes frames now and then
 * is not; a sender held on a receiver drained by another thread gets every frame through; the
 * user and socket backends keep frames for a full card (slirp's backlog, an unread socket).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sched.h>

#include "devices/net/internal.h"
#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/virtio_rig.h"

#define RX_RING 0x1000u  /* PFN 1: 256 entries take 0x1000..0x4000 */
#define TX_RING 0x8000u
#define HDR 0x20000u
#define DATA 0x21000u
#define RXBUF 0x30000u   /* receive buffers, 0x800 apart */
#define QSIZE 256



/* ---- the test backend: records transmitted frames ---- */

#define SENT_MAX 16
static struct {
    unsigned n;
    uint32_t len[SENT_MAX];
    uint8_t data[SENT_MAX][NET_FRAME_MAX]; /* the first NET_FRAME_MAX bytes */
    uint8_t gso_type[SENT_MAX];
    uint16_t gso_size[SENT_MAX], hdr_len[SENT_MAX];
} sent;

static void tb_transmit(struct netdev *nd, struct net_buf *b)
{
    (void)nd;
    if (sent.n < SENT_MAX) {
        sent.len[sent.n] = b->len;
        memcpy(sent.data[sent.n], b->data, b->len < NET_FRAME_MAX ? b->len : NET_FRAME_MAX);
        sent.gso_type[sent.n] = b->gso_type;
        sent.gso_size[sent.n] = b->gso_size;
        sent.hdr_len[sent.n] = b->hdr_len;
    }
    sent.n++;
}

static void tb_destroy(struct netdev *nd)
{
    (void)nd;
}

/* The backend's backpressure: while tb_full, offers are refused; rx_room calls are counted. */
static bool tb_full;
static unsigned tb_refused, tb_rooms;

static int tb_offer(struct netdev *nd, struct net_buf *b)
{
    if (tb_full) {
        tb_refused++;
        return -EAGAIN;
    }
    tb_transmit(nd, b);
    return 0;
}

static void tb_rx_room(struct netdev *nd)
{
    (void)nd;
    tb_rooms++;
}

static const struct netdev_ops tb_ops = {.transmit = tb_transmit, .offer = tb_offer, .rx_room = tb_rx_room,
                                         .destroy = tb_destroy};
static struct netdev tb;

static struct virtio_net *dev;
static struct virtio_pci *vp;
static uint16_t avail_idx[2];

static uint32_t rd(unsigned off, unsigned size)
{
    return (uint32_t)virtio_pci_io_ops.read(vp, off, size);
}

static void wr(unsigned off, uint32_t v, unsigned size)
{
    virtio_pci_io_ops.write(vp, off, v, size);
}

/* virtio_pci_legacy's probe, then virtnet_probe's queue set-up, in that order. */
static void driver_setup(bool driver_ok)
{
    wr(VIRTIO_PCI_STATUS, 0, 1);
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(VIRTIO_PCI_GUEST_FEATURES, rd(VIRTIO_PCI_HOST_FEATURES, 4), 4);
    const uint32_t ring[2] = {RX_RING, TX_RING};
    static const uint8_t zeroes[0x4000];
    for (unsigned q = 0; q < 2; q++)
        assert_int_equal(physmap_write(&pm, ring[q], zeroes, sizeof(zeroes)), 0); /* fresh rings */
    for (unsigned q = 0; q < 2; q++) {
        wr(VIRTIO_PCI_QUEUE_SEL, q, 2);
        assert_int_equal(rd(VIRTIO_PCI_QUEUE_NUM, 2), QSIZE);
        assert_int_equal(rd(VIRTIO_PCI_QUEUE_PFN, 4), 0);
        wr(VIRTIO_PCI_QUEUE_PFN, ring[q] >> 12, 4);
        avail_idx[q] = 0;
    }
    if (driver_ok)
        wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

static unsigned dev_opts; /* the offloads the next setup's card offers */
static bool tb_gso;       /* and whether its backend takes large frames */

static int setup(void **state)
{
    (void)state;
    rig_machine_init();
    memset(&sent, 0, sizeof(sent));
    tb_full = false;
    tb_refused = tb_rooms = 0;
    tb = (struct netdev){.ops = &tb_ops, .gso = tb_gso};
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    struct virtio_host host = {.kick = kick};
    assert_int_equal(virtio_net_create(&dev, &pm, &tb, mac, dev_opts, &host), 0);
    vp = virtio_net_pci(dev);
    virtio_pci_attach(vp, NULL, -1, (struct irq_line){.set = set_irq});
    driver_setup(true);
    return 0;
}

static int setup_csum(void **state)
{
    dev_opts = VIRTIO_NET_OPT_CSUM | VIRTIO_NET_OPT_GUEST_CSUM;
    int rc = setup(state);
    dev_opts = 0;
    return rc;
}

#define OPT_TSO (VIRTIO_NET_OPT_CSUM | VIRTIO_NET_OPT_GUEST_CSUM | VIRTIO_NET_OPT_HOST_TSO4 | VIRTIO_NET_OPT_HOST_TSO6 | \
                 VIRTIO_NET_OPT_GUEST_TSO4 | VIRTIO_NET_OPT_GUEST_TSO6)

static int setup_with(void **state, unsigned opts, bool gso)
{
    dev_opts = opts;
    tb_gso = gso;
    int rc = setup(state);
    dev_opts = 0;
    tb_gso = false;
    return rc;
}

static int setup_tso(void **state)
{
    return setup_with(state, OPT_TSO, true);
}

static int setup_tso_no_backend(void **state)
{
    return setup_with(state, OPT_TSO, false);
}

static int setup_csum_only(void **state)
{
    return setup_with(state, VIRTIO_NET_OPT_CSUM | VIRTIO_NET_OPT_GUEST_CSUM, true);
}

static int setup_mrg(void **state)
{
    return setup_with(state, OPT_TSO | VIRTIO_NET_OPT_MRG_RXBUF, true);
}

static int teardown(void **state)
{
    (void)state;
    virtio_net_destroy(dev);
    rig_machine_fini();
    return 0;
}

/* ---- rings ---- */

static void put_desc(uint32_t ring, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vring_put_desc(&pm, ring, i, addr, len, flags, next);
}

static uint16_t used_idx(unsigned q)
{
    return vring_used_idx(&pm, vp->vq[q].used);
}

static void used_elem(unsigned q, uint16_t k, uint32_t *id, uint32_t *len)
{
    uint8_t e[8];
    assert_int_equal(physmap_read(&pm, vp->vq[q].used + 4 + 8ull * (k % QSIZE), e, 8), 0);
    memcpy(id, e, 4);
    memcpy(len, e + 4, 4);
}

/* Makes head available on queue q (without the notify). */
static void publish(unsigned q, uint16_t head)
{
    vring_publish(&pm, vp->vq[q].avail, vp->vq[q].size, &avail_idx[q], head);
}

static const uint8_t zero_hdr[10];

/* A frame of len bytes (len >= 14): broadcast destination, our source, a pattern from seed. */
static void make_frame(uint8_t *f, uint32_t len, uint8_t seed)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, "\x52\x54\x00\x12\x34\x56", 6);
    for (uint32_t i = 12; i < len; i++)
        f[i] = (uint8_t)(seed + i * 3);
}

/* Transmits one chain {header, frame} from descriptors 0 and 1 with the given header. */
/* Transmits one chain {header of hlen bytes, frame f} from descriptors 0 and 1. */
static void transmit_hdr(const uint8_t *hdr, uint32_t hlen, const uint8_t *f, uint32_t len)
{
    assert_int_equal(physmap_write(&pm, HDR, hdr, hlen), 0);
    assert_int_equal(physmap_write(&pm, DATA, f, len), 0);
    put_desc(TX_RING, 0, HDR, hlen, VRING_DESC_F_NEXT, 1);
    put_desc(TX_RING, 1, DATA, len, 0, 0);
    publish(1, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
}

static void transmit(const uint8_t hdr[10], uint32_t frame_len, uint8_t seed)
{
    static uint8_t f[4096];
    make_frame(f, frame_len, seed);
    transmit_hdr(hdr, 10, f, frame_len);
}

/* ---- tests ---- */

static void test_pci_identity(void **state)
{
    (void)state;
    assert_int_equal(pci_get16(&vp->pci, PCI_VENDOR_ID), 0x1af4);
    assert_int_equal(pci_get16(&vp->pci, PCI_DEVICE_ID), 0x1000);
    assert_int_equal(pci_get16(&vp->pci, PCI_SUBSYS_VENDOR), 0x1af4);
    assert_int_equal(pci_get16(&vp->pci, PCI_SUBSYS_VENDOR + 2), 0x0001);
    assert_int_equal(vp->pci.cfg[PCI_INTERRUPT_PIN], 1);
    assert_int_equal(vp->bar_size, 32); /* QEMU's legacy virtio-net BAR 0 (vmm-facts.md §1.2) */
    uint32_t class_rev = pci_get32(&vp->pci, 8);
    assert_int_equal(class_rev >> 8, 0x020000);
    assert_int_equal(class_rev & 0xff, 0); /* legacy ABI version 0 */
    uint32_t f = rd(VIRTIO_PCI_HOST_FEATURES, 4);
    assert_int_equal(f, 1u << 5 | 1u << 16 | 1u << 28); /* MAC, STATUS, INDIRECT_DESC */
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + i, 1), mac[i]);
    assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + 6, 2), 1); /* VIRTIO_NET_S_LINK_UP */
    /* Past the 8 bytes of config: nothing. */
    assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + 8, 1), 0xff);
}

static void test_transmit(void **state)
{
    (void)state;
    transmit(zero_hdr, 60, 1);
    assert_int_equal(sent.n, 1);
    assert_int_equal(sent.len[0], 60);
    uint8_t f[60];
    make_frame(f, 60, 1);
    assert_memory_equal(sent.data[0], f, 60);
    assert_int_equal(used_idx(1), 1);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), 1);
    assert_int_equal(irq_level, 0);
    /* The largest frame goes too, and the header and frame may share one buffer. */
    uint8_t big[10 + NET_FRAME_MAX];
    memset(big, 0, 10);
    make_frame(big + 10, NET_FRAME_MAX, 9);
    assert_int_equal(physmap_write(&pm, DATA, big, sizeof(big)), 0);
    put_desc(TX_RING, 2, DATA, sizeof(big), 0, 0);
    publish(1, 2);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(sent.n, 2);
    assert_int_equal(sent.len[1], NET_FRAME_MAX);
    assert_memory_equal(sent.data[1], big + 10, NET_FRAME_MAX);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->tx_frames, 2);
    assert_int_equal(st->tx_bytes, 60 + NET_FRAME_MAX);
}

static void test_transmit_bad_frames(void **state)
{
    (void)state;
    transmit(zero_hdr, 13, 1); /* shorter than an Ethernet header */
    transmit(zero_hdr, NET_FRAME_MAX + 1, 2);
    uint8_t csum[10] = {1}; /* VIRTIO_NET_HDR_F_NEEDS_CSUM, never offered */
    transmit(csum, 60, 3);
    uint8_t gso[10] = {0, 1}; /* VIRTIO_NET_HDR_GSO_TCPV4 */
    transmit(gso, 60, 4);
    /* A chain of a header alone. */
    put_desc(TX_RING, 3, HDR, 10, 0, 0);
    publish(1, 3);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(sent.n, 0);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->tx_runt, 2);
    assert_int_equal(st->tx_oversize, 1);
    assert_int_equal(st->tx_bad_header, 2);
    assert_int_equal(st->tx_frames, 0);
    /* Every chain came back, and the device still works. */
    assert_int_equal(used_idx(1), 5);
    assert_false(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    transmit(zero_hdr, 64, 5);
    assert_int_equal(sent.n, 1);
}

static void test_transmit_outside_ram(void **state)
{
    (void)state;
    put_desc(TX_RING, 0, HDR, 10, VRING_DESC_F_NEXT, 1);
    put_desc(TX_RING, 1, MMIO_BASE, 64, 0, 0);
    publish(1, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(sent.n, 0);
    assert_int_equal(mmio_accesses, 0);
    assert_true(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
    /* Nothing more is done until a reset. */
    put_desc(TX_RING, 1, DATA, 64, 0, 0);
    publish(1, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(sent.n, 0);
    driver_setup(true);
    transmit(zero_hdr, 64, 7);
    assert_int_equal(sent.n, 1);
}

static void test_runaway_avail_index(void **state)
{
    (void)state;
    uint16_t idx = QSIZE + 5;
    assert_int_equal(physmap_write(&pm, vp->vq[1].avail + 2, &idx, 2), 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_true(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(sent.n, 0);
}

/* The backend's side: frames handed to the card's port, as a backend thread does. */
struct feeder {
    unsigned n;
    uint32_t len;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    uint8_t frame[NET_FRAME_MAX];
    for (unsigned i = 0; i < f->n; i++) {
        make_frame(frame, f->len, (uint8_t)i);
        struct net_buf *b = net_buf_new(frame, f->len);
        netdev_deliver(&tb, b);
        net_buf_put(b);
    }
    return NULL;
}

static void feed_from_thread(unsigned n, uint32_t len)
{
    pthread_t t;
    struct feeder f = {n, len};
    assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
    pthread_join(t, NULL);
}

/* Receive buffer k: descriptor k, RXBUF + 0x800 k, len bytes, device-writable. */
static void post_rx(unsigned k, uint32_t len)
{
    put_desc(RX_RING, k, RXBUF + 0x800ull * k, len, VRING_DESC_F_WRITE, 0);
    publish(0, (uint16_t)k);
}

/* Buffer desc holds the frame (after the header) made from seed. */
static void check_rx_body(unsigned desc, uint32_t len, uint8_t seed)
{
    uint8_t got[NET_FRAME_MAX], want[NET_FRAME_MAX];
    assert_int_equal(physmap_read(&pm, RXBUF + 0x800ull * desc + 10, got, len), 0);
    make_frame(want, len, seed);
    assert_memory_equal(got, want, len);
}

static void check_rx(uint16_t used_k, unsigned desc, uint32_t len, uint8_t seed)
{
    uint32_t id, ulen;
    used_elem(0, used_k, &id, &ulen);
    assert_int_equal(id, desc);
    assert_int_equal(ulen, 10 + len);
    uint8_t got[10 + NET_FRAME_MAX], want[NET_FRAME_MAX];
    memset(got, 0xAA, sizeof(got));
    assert_int_equal(physmap_read(&pm, RXBUF + 0x800ull * desc, got, 10 + len), 0);
    assert_memory_equal(got, zero_hdr, 10);
    make_frame(want, len, seed);
    assert_memory_equal(got + 10, want, len);
}

static void test_receive(void **state)
{
    (void)state;
    post_rx(0, 1536);
    post_rx(1, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    feed_from_thread(2, 100);
    assert_int_equal(atomic_load(&kicks), 1); /* once, when the queue stopped being empty */
    assert_int_equal(used_idx(0), 0);          /* nothing before the vCPU thread looks */
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 2);
    check_rx(0, 0, 100, 0);
    check_rx(1, 1, 100, 1);
    assert_int_equal(irq_level, 1);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->rx_frames, 2);
    assert_int_equal(st->rx_bytes, 200);
}

static void test_receive_waits_for_buffers(void **state)
{
    (void)state;
    feed_from_thread(3, 60);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 0);
    /* The guest adds buffers and notifies queue 0: the waiting frames go in, in order. */
    post_rx(0, 1536);
    post_rx(1, 1536);
    post_rx(2, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(used_idx(0), 3);
    for (unsigned i = 0; i < 3; i++)
        check_rx((uint16_t)i, i, 60, (uint8_t)i);
}

static void test_receive_buffer_too_small(void **state)
{
    (void)state;
    post_rx(0, 10 + 50); /* fits a 50-byte frame, not a 51-byte one */
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    feed_from_thread(1, 51);
    feed_from_thread(1, 50);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 1);
    check_rx(0, 0, 50, 0);
    assert_int_equal(virtio_net_stats(dev)->rx_too_big, 1);
    assert_false(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_receive_queue_full(void **state)
{
    (void)state;
    feed_from_thread(512 + 5, 60); /* the card queues 512 */
    assert_int_equal(virtio_net_stats(dev)->rx_queue_full, 5);
    for (unsigned k = 0; k < 8; k++)
        post_rx(k, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(used_idx(0), 8);
    check_rx(7, 7, 60, 7);
    /* A reset forgets the rest: after a new set-up only new frames arrive. */
    driver_setup(true);
    post_rx(0, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(used_idx(0), 0);
    feed_from_thread(1, 80);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 1);
    check_rx(0, 0, 80, 0);
}

static void test_receive_not_ready(void **state)
{
    (void)state;
    driver_setup(false); /* queues set up, DRIVER_OK not yet written */
    post_rx(0, 1536);
    feed_from_thread(2, 60);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 0);
    assert_int_equal(virtio_net_stats(dev)->rx_not_ready, 2);
}

static void test_receive_buffer_in_mmio(void **state)
{
    (void)state;
    put_desc(RX_RING, 0, MMIO_BASE, 1536, VRING_DESC_F_WRITE, 0);
    publish(0, 0);
    feed_from_thread(1, 60);
    virtio_net_poll(dev);
    assert_int_equal(mmio_accesses, 0);
    assert_true(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_link_down(void **state)
{
    (void)state;
    virtio_net_set_link(dev, false);
    assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + 6, 2), 0);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
    transmit(zero_hdr, 60, 1);
    assert_int_equal(sent.n, 0);   /* the cable is out */
    assert_int_equal(used_idx(1), 1); /* but the chain comes back */
    post_rx(0, 1536);
    feed_from_thread(1, 60);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 0);
    virtio_net_set_link(dev, true);
    assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + 6, 2), 1);
    transmit(zero_hdr, 60, 1);
    assert_int_equal(sent.n, 1);
}

/* ---- backpressure ---- */

/* Chain k of the transmit ring (descriptors 2k, 2k + 1, its frame at DATA + 0x800 k), made
 * available without a notify. */
static void tx_chain(unsigned k, uint32_t len, uint8_t seed)
{
    uint8_t f[NET_FRAME_MAX];
    make_frame(f, len, seed);
    assert_int_equal(physmap_write(&pm, HDR, zero_hdr, 10), 0);
    assert_int_equal(physmap_write(&pm, DATA + 0x800ull * k, f, len), 0);
    put_desc(TX_RING, 2 * k, HDR, 10, VRING_DESC_F_NEXT, (uint16_t)(2 * k + 1));
    put_desc(TX_RING, 2 * k + 1, DATA + 0x800ull * k, len, 0, 0);
    publish(1, (uint16_t)(2 * k));
}

static void test_transmit_held(void **state)
{
    (void)state;
    tb_full = true;
    for (unsigned k = 0; k < 3; k++)
        tx_chain(k, 60 + k, (uint8_t)k);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    /* The first frame is held: no chain comes back, nothing behind it is even offered. */
    assert_int_equal(tb_refused, 1);
    assert_int_equal(used_idx(1), 0);
    assert_int_equal(irq_level, 0);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->tx_held, 1);
    assert_int_equal(st->tx_frames, 0);
    /* Polls before the retry period and another notify change nothing while the backend is full. */
    virtio_net_poll(dev);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(used_idx(1), 0);
    assert_int_equal(sent.n, 0);
    /* The backend has room and says so: the vCPU thread is kicked, and its next poll sends all
     * three in order and returns their chains. */
    tb_full = false;
    unsigned k0 = atomic_load(&kicks);
    tb.port.tx_resume(tb.port.ctx);
    assert_int_equal(atomic_load(&kicks), k0 + 1);
    virtio_net_poll(dev);
    assert_int_equal(sent.n, 3);
    for (unsigned k = 0; k < 3; k++) {
        uint8_t f[NET_FRAME_MAX];
        make_frame(f, 60 + k, (uint8_t)k);
        assert_int_equal(sent.len[k], 60 + k);
        assert_memory_equal(sent.data[k], f, 60 + k);
    }
    assert_int_equal(used_idx(1), 3);
    assert_int_equal(irq_level, 1);
    assert_int_equal(st->tx_frames, 3);
    /* Without a tx_resume, the card offers again once the retry period has passed. */
    tb_full = true;
    tx_chain(0, 70, 9);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(used_idx(1), 3);
    tb_full = false;
    struct timespec ts = {0, (long)(NET_TX_RETRY_NS + 5000000ull)};
    nanosleep(&ts, NULL);
    virtio_net_poll(dev);
    assert_int_equal(sent.n, 4);
    assert_int_equal(used_idx(1), 4);
}

static void test_transmit_held_reset(void **state)
{
    (void)state;
    tb_full = true;
    tx_chain(0, 60, 1);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(used_idx(1), 0);
    /* A reset forgets the held frame with its ring: the new ring's first frame is the next sent. */
    tb_full = false;
    driver_setup(true);
    tb.port.tx_resume(tb.port.ctx);
    virtio_net_poll(dev);
    assert_int_equal(sent.n, 0);
    tx_chain(0, 80, 2);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(sent.n, 1);
    assert_int_equal(sent.len[0], 80);
}

/* Offers n frames of len bytes to the card as the switch does: how many it refused. */
static unsigned offer_frames(unsigned n, uint32_t len)
{
    unsigned refused = 0;
    uint8_t frame[NET_FRAME_MAX];
    for (unsigned i = 0; i < n; i++) {
        make_frame(frame, len, (uint8_t)i);
        struct net_buf *b = net_buf_new(frame, len);
        if (tb.port.offer(tb.port.ctx, b) == -EAGAIN)
            refused++;
        net_buf_put(b);
    }
    return refused;
}

static void test_receive_refuses_when_full(void **state)
{
    (void)state;
    assert_int_equal(offer_frames(512 + 3, 60), 3); /* the card queues 512, refuses the rest */
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->rx_refused, 3);
    assert_int_equal(st->rx_queue_full, 0); /* refused is not dropped: the sender keeps them */
    /* The guest drains in rounds of 8 buffers: the backend hears of room once, at half. */
    for (unsigned r = 0; r < 32; r++) {
        assert_int_equal(tb_rooms, 0);
        for (unsigned k = 0; k < 8; k++)
            post_rx(k, 1536);
        wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
        assert_int_equal(used_idx(0), 8 * (r + 1));
    }
    assert_int_equal(tb_rooms, 1);
    check_rx(255, 7, 60, 255);
    /* Room again: offers are taken; draining further tells nobody (nothing was refused since). */
    assert_int_equal(offer_frames(4, 60), 0);
    for (unsigned k = 0; k < 8; k++)
        post_rx(k, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(tb_rooms, 1);
    /* A reset after a refusal tells the backend too: its queue is empty. */
    assert_int_equal(offer_frames(512, 60), 252); /* 252 queued: room for 260 */
    driver_setup(true);
    assert_int_equal(tb_rooms, 2);
}

/* ---- checksum offload ---- */

/* RFC 1071 over f[start, len), computed here independently of the device. */
static uint16_t ref_csum(const uint8_t *f, uint32_t start, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = start; i < len; i += 2)
        sum += (uint32_t)f[i] << 8 | (i + 1 < len ? f[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

static void test_csum_features(void **state)
{
    (void)state;
    assert_int_equal(rd(VIRTIO_PCI_HOST_FEATURES, 4), 1u << 0 | 1u << 1 | 1u << 5 | 1u << 16 | 1u << 28);
}

static void test_csum_transmit(void **state)
{
    (void)state;
    /* NEEDS_CSUM, start 34 (after Ethernet and IPv4 headers), offset 16 (TCP's field), the field
     * seeded with a pseudo-header sum; the test backend wants whole frames. */
    uint8_t hdr[10] = {1};
    uint16_t start = 34, off = 16;
    memcpy(hdr + 6, &start, 2);
    memcpy(hdr + 8, &off, 2);
    transmit(hdr, 101, 3); /* odd length: the last byte is padded */
    assert_int_equal(sent.n, 1);
    uint8_t want[101];
    make_frame(want, 101, 3);
    uint16_t c = ref_csum(want, 34, 101);
    want[50] = (uint8_t)(c >> 8);
    want[51] = (uint8_t)c;
    assert_memory_equal(sent.data[0], want, 101);
    /* A checksum field past the frame's end is refused. */
    off = 66;
    memcpy(hdr + 8, &off, 2);
    transmit(hdr, 101, 3);
    assert_int_equal(sent.n, 1);
    assert_int_equal(virtio_net_stats(dev)->tx_bad_header, 1);
}

static void deliver_one(enum net_csum csum, uint32_t len, uint8_t seed)
{
    uint8_t f[NET_FRAME_MAX];
    make_frame(f, len, seed);
    struct net_buf *b = net_buf_new(f, len);
    b->csum = (uint8_t)csum;
    b->csum_start = 34;
    b->csum_offset = 6; /* UDP's field */
    netdev_deliver(&tb, b);
    net_buf_put(b);
}

static void test_csum_receive(void **state)
{
    (void)state;
    post_rx(0, 1536);
    post_rx(1, 1536);
    post_rx(2, 1536);
    deliver_one(NET_CSUM_PARTIAL, 200, 1);
    deliver_one(NET_CSUM_VALID, 200, 2);
    deliver_one(NET_CSUM_NONE, 200, 3);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 3);
    uint8_t h[10];
    /* The driver took GUEST_CSUM: the partial frame goes as it is, flagged with its position. */
    assert_int_equal(physmap_read(&pm, RXBUF, h, 10), 0);
    assert_int_equal(h[0], 1);
    assert_int_equal(h[6] | h[7] << 8, 34);
    assert_int_equal(h[8] | h[9] << 8, 6);
    check_rx_body(0, 200, 1);
    assert_int_equal(physmap_read(&pm, RXBUF + 0x800, h, 10), 0);
    assert_int_equal(h[0], 2); /* DATA_VALID */
    assert_int_equal(physmap_read(&pm, RXBUF + 0x1000, h, 10), 0);
    assert_int_equal(h[0], 0);
}

static void test_csum_receive_without_guest_csum(void **state)
{
    (void)state;
    /* A driver that takes CSUM but not GUEST_CSUM gets whole frames: the device completes the
     * checksum on the way in. */
    wr(VIRTIO_PCI_STATUS, 0, 1);
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    driver_setup(true);
    wr(VIRTIO_PCI_GUEST_FEATURES, rd(VIRTIO_PCI_HOST_FEATURES, 4) & ~2u, 4);
    post_rx(0, 1536);
    post_rx(1, 1536);
    deliver_one(NET_CSUM_PARTIAL, 200, 1);
    deliver_one(NET_CSUM_VALID, 200, 2);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 2);
    uint8_t got[210], want[200];
    assert_int_equal(physmap_read(&pm, RXBUF, got, 210), 0);
    assert_memory_equal(got, zero_hdr, 10);
    make_frame(want, 200, 1);
    uint16_t c = ref_csum(want, 34, 200);
    want[40] = (uint8_t)(c >> 8);
    want[41] = (uint8_t)c;
    assert_memory_equal(got + 10, want, 200);
    assert_int_equal(physmap_read(&pm, RXBUF + 0x800, got, 10), 0);
    assert_memory_equal(got, zero_hdr, 10); /* no DATA_VALID for a driver that cannot take it */
}

/* ---- the switch, through the backend interface ---- */

#define PORTS 4
static struct {
    struct net_buf *last;
    unsigned got;
} port_rx[PORTS];

static void port_receive(void *ctx, struct net_buf *b)
{
    unsigned i = (unsigned)(uintptr_t)ctx;
    port_rx[i].got++;
    port_rx[i].last = b; /* compared by address only, never dereferenced later */
}

/* Port i of switch sw: a plain receiver, or (card) a card with backpressure (below). */
static struct netdev *sw_attach(unsigned i, const char *sw, const struct net_port *port)
{
    char err[200];
    struct netdev_config cfg = {.type = NETDEV_SWITCH, .id = "n", .switch_name = sw};
    struct netdev *nd;
    assert_int_equal(netdev_create(&nd, &cfg, err, sizeof(err)), 0);
    struct net_port p = *port;
    p.ctx = (void *)(uintptr_t)i;
    netdev_attach(nd, &p);
    return nd;
}

static struct netdev *sw_port(unsigned i, const char *sw)
{
    return sw_attach(i, sw, &(struct net_port){.receive = port_receive});
}

/* A frame from the station ...:src_last to ...:dst_last (broadcast: to everyone). */
static struct net_buf *sw_frame(uint8_t dst_last, uint8_t src_last, bool broadcast)
{
    uint8_t f[60] = {0};
    if (broadcast)
        memset(f, 0xff, 6);
    else
        memcpy(f, "\x52\x54\x00\x00\x00", 5), f[5] = dst_last;
    memcpy(f + 6, "\x52\x54\x00\x00\x00", 5);
    f[11] = src_last;
    return net_buf_new(f, sizeof(f));
}

static void sw_send(struct netdev *nd, uint8_t dst_last, uint8_t src_last, bool broadcast)
{
    struct net_buf *b = sw_frame(dst_last, src_last, broadcast);
    netdev_transmit(nd, b);
    net_buf_put(b);
}

static void test_switch(void **state)
{
    (void)state;
    memset(port_rx, 0, sizeof(port_rx));
    struct netdev *p0 = sw_port(0, "unit-lan"), *p1 = sw_port(1, "unit-lan"), *p2 = sw_port(2, "unit-lan");
    struct netdev *q = sw_port(3, "unit-other");
    /* A broadcast from p0 reaches p1 and p2, one shared buffer, not p0 and not the other switch. */
    sw_send(p0, 0, 0x10, true);
    assert_int_equal(port_rx[0].got, 0);
    assert_int_equal(port_rx[1].got, 1);
    assert_int_equal(port_rx[2].got, 1);
    assert_int_equal(port_rx[3].got, 0);
    assert_ptr_equal(port_rx[1].last, port_rx[2].last);
    /* p0 was learned: a frame to it goes to p0 only. */
    sw_send(p1, 0x10, 0x11, false);
    assert_int_equal(port_rx[0].got, 1);
    assert_int_equal(port_rx[2].got, 1);
    /* An unknown destination is flooded. */
    sw_send(p1, 0x99, 0x11, false);
    assert_int_equal(port_rx[0].got, 2);
    assert_int_equal(port_rx[2].got, 2);
    /* A frame to a station on the sender's own port is not sent anywhere. */
    sw_send(p1, 0x11, 0x12, false);
    assert_int_equal(port_rx[0].got, 2);
    assert_int_equal(port_rx[1].got, 1);
    assert_int_equal(port_rx[2].got, 2);
    /* A station that moves is learned on its new port. */
    sw_send(p2, 0x10, 0x11, false);
    sw_send(p0, 0x11, 0x10, false);
    assert_int_equal(port_rx[2].got, 3);
    assert_int_equal(port_rx[1].got, 1);
    /* A port that leaves gets nothing more, and its addresses are forgotten (flooded again). */
    netdev_destroy(p2);
    sw_send(p0, 0x11, 0x10, false);
    assert_int_equal(port_rx[1].got, 2);
    assert_int_equal(port_rx[2].got, 3);
    assert_int_equal(port_rx[3].got, 0);
    const struct netdev_stats *st = netdev_stats(p1);
    assert_int_equal(st->tx_frames, 3);
    netdev_destroy(p0);
    netdev_destroy(p1);
    netdev_destroy(q);
}

/* Ports as cards with backpressure: an offer is refused while the port is full, a frame handed
 * over anyway (a flood, a deaf port) is dropped and counted, resumes are counted. */
static struct {
    _Atomic bool full;
    _Atomic unsigned got, dropped, resumed; /* the user and socket backends' threads count too */
} card[PORTS];

static void card_receive(void *ctx, struct net_buf *b)
{
    (void)b;
    unsigned i = (unsigned)(uintptr_t)ctx;
    if (card[i].full)
        card[i].dropped++;
    else
        card[i].got++;
}

static int card_offer(void *ctx, struct net_buf *b)
{
    unsigned i = (unsigned)(uintptr_t)ctx;
    if (card[i].full)
        return -EAGAIN;
    card_receive(ctx, b);
    return 0;
}

static void card_resume(void *ctx)
{
    card[(unsigned)(uintptr_t)ctx].resumed++;
}

static struct netdev *sw_card(unsigned i, const char *sw)
{
    return sw_attach(i, sw, &(struct net_port){.receive = card_receive, .offer = card_offer, .tx_resume = card_resume});
}

/* sw_send's frame, offered as a card offers it. */
static int sw_offer_frame(struct netdev *nd, uint8_t dst_last, uint8_t src_last, bool broadcast)
{
    struct net_buf *b = sw_frame(dst_last, src_last, broadcast);
    int rc = netdev_offer(nd, b);
    net_buf_put(b);
    return rc;
}

static void test_switch_backpressure(void **state)
{
    (void)state;
    memset(card, 0, sizeof(card));
    struct netdev *p0 = sw_card(0, "unit-bp"), *p1 = sw_card(1, "unit-bp"), *p2 = sw_card(2, "unit-bp");
    /* Stations 0x10, 0x11, 0x12 behind p0, p1, p2, learned from their broadcasts. */
    assert_int_equal(sw_offer_frame(p0, 0, 0x10, true), 0);
    assert_int_equal(sw_offer_frame(p1, 0, 0x11, true), 0);
    assert_int_equal(sw_offer_frame(p2, 0, 0x12, true), 0);
    assert_int_equal(card[1].got, 2);
    /* p1 is full: p0's frame to it is held back, not dropped, and so is p2's. */
    card[1].full = true;
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    assert_int_equal(sw_offer_frame(p2, 0x11, 0x12, false), -EAGAIN);
    assert_int_equal(card[1].dropped, 0);
    assert_int_equal(netdev_stats(p0)->tx_held, 1);
    assert_int_equal(netdev_stats(p0)->tx_frames, 1); /* its broadcast: a held frame is not sent */
    /* Traffic to others is not held up by p1, and a broadcast is never held: p1 drops its copy. */
    assert_int_equal(sw_offer_frame(p2, 0x10, 0x12, false), 0);
    assert_int_equal(card[0].got, 3);
    assert_int_equal(sw_offer_frame(p0, 0, 0x10, true), 0);
    assert_int_equal(netdev_stats(p1)->rx_flood_dropped, 1);
    assert_int_equal(card[2].got, 3);
    /* p1 makes room: both its senders resume (each once), and their frames go. */
    card[1].full = false;
    netdev_rx_room(p1);
    assert_int_equal(card[0].resumed, 1);
    assert_int_equal(card[2].resumed, 1);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), 0);
    assert_int_equal(sw_offer_frame(p2, 0x11, 0x12, false), 0);
    assert_int_equal(card[1].got, 4);
    /* A port that leaves releases whoever waits on it. */
    card[1].full = true;
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    netdev_destroy(p1);
    assert_int_equal(card[0].resumed, 2);
    netdev_destroy(p0);
    netdev_destroy(p2);
}

static void test_switch_deaf_receiver(void **state)
{
    (void)state;
    memset(card, 0, sizeof(card));
    struct netdev *p0 = sw_card(0, "unit-deaf"), *p1 = sw_card(1, "unit-deaf"), *p2 = sw_card(2, "unit-deaf");
    assert_int_equal(sw_offer_frame(p1, 0, 0x11, true), 0);
    assert_int_equal(sw_offer_frame(p2, 0, 0x12, true), 0);
    card[1].full = true; /* and it never drains */
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    assert_int_equal(sw_offer_frame(p2, 0x11, 0x12, false), -EAGAIN);
    /* Past the switch's bound (500 ms) the next offer finds p1 deaf: that frame is dropped and
     * counted, and every sender held on p1 resumes. */
    struct timespec ts = {0, 520000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), 0);
    assert_int_equal(card[1].dropped, 1);
    assert_int_equal(netdev_stats(p1)->rx_deaf_dropped, 1);
    assert_int_equal(card[2].resumed, 1);
    /* While deaf, frames to it hold nobody. */
    assert_int_equal(sw_offer_frame(p2, 0x11, 0x12, false), 0);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), 0);
    assert_int_equal(card[1].dropped, 3);
    assert_int_equal(netdev_stats(p1)->rx_deaf_dropped, 3);
    /* It drains: it hears again, and a full queue holds its senders again. */
    card[1].full = false;
    netdev_rx_room(p1);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), 0);
    assert_int_equal(card[1].got, 2); /* p2's broadcast, and this */
    card[1].full = true;
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    /* A slow reader is not deaf: it takes 64 frames within the period (room for them now and
     * then), so the period starts again at its next refusal and a frame past the first period's
     * end is still held, not dropped. */
    ts.tv_nsec = 300000000L;
    nanosleep(&ts, NULL);
    card[1].full = false;
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(sw_offer_frame(p2, 0x11, 0x12, false), 0);
    card[1].full = true;
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    nanosleep(&ts, NULL);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), -EAGAIN);
    assert_int_equal(netdev_stats(p1)->rx_deaf_dropped, 3);
    /* One that takes fewer in the period is deaf at its end. */
    nanosleep(&ts, NULL);
    assert_int_equal(sw_offer_frame(p0, 0x11, 0x10, false), 0);
    assert_int_equal(netdev_stats(p1)->rx_deaf_dropped, 4);
    netdev_destroy(p0);
    netdev_destroy(p1);
    netdev_destroy(p2);
}

/* Held senders resumed from another thread (for tsan): a sender thread offers N frames to a
 * card of 8 frames that a receiver thread drains, calling netdev_rx_room as a card does. */
#define BP_N 5000u
#define BP_CAP 8u
static struct {
    pthread_mutex_t lock;
    unsigned n, got;
    bool refused;
    _Atomic bool resumed, done;
} bp = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void bp_receive(void *ctx, struct net_buf *b)
{
    (void)ctx, (void)b;
    fail_msg("a frame for the slow card was dropped");
}

static int bp_offer(void *ctx, struct net_buf *b)
{
    (void)b;
    if ((uintptr_t)ctx != 1)
        return 0; /* the sender's own card (rx's broadcast): taken, not counted */
    pthread_mutex_lock(&bp.lock);
    int rc = 0;
    if (bp.n == BP_CAP) {
        bp.refused = true;
        rc = -EAGAIN;
    } else {
        bp.n++;
    }
    pthread_mutex_unlock(&bp.lock);
    return rc;
}

static void bp_resume(void *ctx)
{
    (void)ctx;
    atomic_store(&bp.resumed, true);
}

static void *bp_drain(void *arg)
{
    struct netdev *nd = arg;
    while (!atomic_load(&bp.done)) {
        pthread_mutex_lock(&bp.lock);
        bool room = false;
        if (bp.n) {
            bp.n--;
            bp.got++;
            room = bp.refused && bp.n <= BP_CAP / 2;
            if (room)
                bp.refused = false;
        }
        pthread_mutex_unlock(&bp.lock);
        if (room)
            netdev_rx_room(nd);
    }
    return NULL;
}

static void test_switch_backpressure_threads(void **state)
{
    (void)state;
    struct netdev *tx = sw_attach(0, "unit-bpt", &(struct net_port){.receive = bp_receive, .offer = bp_offer,
                                                                     .tx_resume = bp_resume});
    struct netdev *rx = sw_attach(1, "unit-bpt", &(struct net_port){.receive = bp_receive, .offer = bp_offer,
                                                                     .tx_resume = bp_resume});
    /* rx's station is learned first; tx is not (its frames to rx are unicast, known). */
    struct net_buf *b = sw_frame(0, 0x21, true);
    netdev_transmit(rx, b);
    net_buf_put(b);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bp_drain, rx), 0);
    unsigned held = 0;
    for (unsigned i = 0; i < BP_N; i++) {
        b = sw_frame(0x21, 0x20, false);
        while (netdev_offer(tx, b) == -EAGAIN) {
            held++;
            for (unsigned k = 0; k < 2000 && !atomic_exchange(&bp.resumed, false); k++) {
                struct timespec ts = {0, 10000L};
                nanosleep(&ts, NULL); /* the card's retry period stands in for a lost resume */
            }
        }
        net_buf_put(b);
    }
    while (true) {
        pthread_mutex_lock(&bp.lock);
        bool empty = bp.n == 0;
        pthread_mutex_unlock(&bp.lock);
        if (empty)
            break;
        sched_yield();
    }
    atomic_store(&bp.done, true);
    pthread_join(t, NULL);
    assert_int_equal(bp.got, BP_N);
    assert_true(held > 0);
    assert_int_equal(netdev_stats(rx)->rx_deaf_dropped, 0);
    netdev_destroy(tx);
    netdev_destroy(rx);
}

/* -netdev user keeps what slirp sends a full card (in order) and hands it over on room. */
static void test_user_backlog(void **state)
{
    (void)state;
    memset(card, 0, sizeof(card));
    char err[200];
    struct netdev_config cfg = {.type = NETDEV_USER, .id = "u"};
    struct netdev *nd;
    assert_int_equal(netdev_create(&nd, &cfg, err, sizeof(err)), 0);
    netdev_attach(nd, &(struct net_port){.receive = card_receive, .offer = card_offer, .tx_resume = card_resume,
                                          .ctx = (void *)(uintptr_t)0});
    card[0].full = true;
    /* Two ARP requests from the guest (52:54:00:12:34:56, 10.0.2.15) for the gateway 10.0.2.2:
     * slirp answers each at once, into the full card. */
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, /* Ethernet */
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,                                           /* request */
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,                                   /* sender */
        0, 0, 0, 0, 0, 0, 10, 0, 2, 2};                                                    /* target */
    for (unsigned i = 0; i < 2; i++) {
        struct net_buf *b = net_buf_new(arp, sizeof(arp));
        netdev_transmit(nd, b);
        net_buf_put(b);
    }
    assert_int_equal(card[0].got, 0);
    assert_int_equal(card[0].dropped, 0);
    /* Room: the backend's thread hands both over. */
    card[0].full = false;
    netdev_rx_room(nd);
    for (unsigned t = 0; t < 200 && card[0].got < 2; t++) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    netdev_destroy(nd); /* joins the thread: card[] is settled */
    assert_int_equal(card[0].got, 2);
    assert_int_equal(card[0].dropped, 0);
}

/* -netdev socket stops reading for a full card (nothing dropped) and goes on once it has room. */
static void test_socket_holds_for_full_card(void **state)
{
    (void)state;
    memset(card, 0, sizeof(card));
    /* A free loopback port: bound, read back, let go. */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    assert_int_equal(bind(t, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(t, (struct sockaddr *)&sa, &sl), 0);
    close(t);
    char err[200];
    struct netdev_config cfg = {.type = NETDEV_SOCKET, .id = "s", .sock_mode = NETDEV_SOCKET_LISTEN,
                                .sock_addr = htonl(INADDR_LOOPBACK), .sock_port = ntohs(sa.sin_port)};
    struct netdev *nd;
    assert_int_equal(netdev_create(&nd, &cfg, err, sizeof(err)), 0);
    netdev_attach(nd, &(struct net_port){.receive = card_receive, .offer = card_offer, .tx_resume = card_resume,
                                          .ctx = (void *)(uintptr_t)0});
    card[0].full = true;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* Three frames in QEMU's framing, in one write. */
    uint8_t wire[3 * (4 + 60)];
    for (unsigned i = 0; i < 3; i++) {
        uint32_t be = htonl(60);
        memcpy(wire + i * 64, &be, 4);
        make_frame(wire + i * 64 + 4, 60, (uint8_t)i);
    }
    assert_int_equal(write(c, wire, sizeof(wire)), (ssize_t)sizeof(wire));
    struct timespec ts = {0, 100000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(card[0].got, 0);
    assert_int_equal(card[0].dropped, 0);
    card[0].full = false;
    netdev_rx_room(nd);
    for (unsigned k = 0; k < 200 && card[0].got < 3; k++) {
        ts.tv_nsec = 10000000L;
        nanosleep(&ts, NULL);
    }
    close(c);
    netdev_destroy(nd);
    assert_int_equal(card[0].got, 3);
    assert_int_equal(card[0].dropped, 0);
}

/* The switch, with frames sent from two threads at once while ports come and go (for tsan). */
static void *sw_hammer(void *arg)
{
    struct netdev *nd = arg;
    for (unsigned i = 0; i < 20000; i++)
        sw_send(nd, (uint8_t)(i & 7), (uint8_t)(uintptr_t)nd, (i & 15) == 0);
    return NULL;
}

static void test_switch_threads(void **state)
{
    (void)state;
    memset(port_rx, 0, sizeof(port_rx));
    struct netdev *a = sw_port(0, "unit-mt"), *b = sw_port(1, "unit-mt");
    pthread_t ta, tb2;
    assert_int_equal(pthread_create(&ta, NULL, sw_hammer, a), 0);
    assert_int_equal(pthread_create(&tb2, NULL, sw_hammer, b), 0);
    for (unsigned i = 0; i < 50; i++)
        netdev_destroy(sw_port(2, "unit-mt"));
    pthread_join(ta, NULL);
    pthread_join(tb2, NULL);
    netdev_destroy(a);
    netdev_destroy(b);
}

/* ---- TSO and mergeable buffers ---- */

/* An IPv4 TCP frame with payload bytes of pattern, its IPv4 lengths right: the length. */
static uint32_t make_tcp4(uint8_t *f, uint32_t payload)
{
    uint32_t len = 54 + payload;
    memset(f, 0, 54);
    memcpy(f, "\x52\x54\x00\x00\x00\x02\x52\x54\x00\x12\x34\x56\x08\x00", 14);
    f[14] = 0x45;
    f[16] = (uint8_t)((len - 14) >> 8), f[17] = (uint8_t)(len - 14);
    f[18] = 0x12, f[20] = 0x40, f[22] = 64, f[23] = 6;
    memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    f[34] = 0x9c, f[36] = 0x13, f[41] = 1, f[45] = 1;
    f[46] = 0x50, f[47] = 0x18, f[48] = 0x01;
    for (uint32_t i = 0; i < payload; i++)
        f[54 + i] = (uint8_t)(i * 5 + i / 253);
    return len;
}

static const uint8_t tso4_hdr[10] = {1, 1, 54, 0, 1448 & 0xff, 1448 >> 8, 34, 0, 16, 0};

static void test_tso_transmit(void **state)
{
    (void)state;
    uint32_t f = rd(VIRTIO_PCI_HOST_FEATURES, 4);
    assert_int_equal(f & (1u << 7 | 1u << 8 | 1u << 11 | 1u << 12), 1u << 7 | 1u << 8 | 1u << 11 | 1u << 12);
    static uint8_t frame[3054];
    uint32_t len = make_tcp4(frame, 3000);
    transmit_hdr(tso4_hdr, 10, frame, len);
    assert_int_equal(sent.n, 1);
    assert_int_equal(sent.len[0], len); /* whole, to a backend that takes large frames */
    assert_int_equal(sent.gso_type[0], NET_GSO_TCPV4);
    assert_int_equal(sent.gso_size[0], 1448);
    assert_int_equal(sent.hdr_len[0], 54);
    assert_memory_equal(sent.data[0], frame, NET_FRAME_MAX);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->tx_gso, 1);
    /* hostile headers: an IPv4 length that lies, ECN, UDP, GSO without NEEDS_CSUM, the checksum
     * not at the TCP header: dropped and counted, the backend untouched */
    frame[17]++;
    transmit_hdr(tso4_hdr, 10, frame, len);
    frame[17]--;
    uint8_t h[10];
    memcpy(h, tso4_hdr, 10), h[1] = 0x81;
    transmit_hdr(h, 10, frame, len);
    memcpy(h, tso4_hdr, 10), h[1] = 3;
    transmit_hdr(h, 10, frame, len);
    memcpy(h, tso4_hdr, 10), h[0] = 0;
    transmit_hdr(h, 10, frame, len);
    memcpy(h, tso4_hdr, 10), h[6] = 14;
    transmit_hdr(h, 10, frame, len);
    assert_int_equal(sent.n, 1);
    assert_int_equal(st->tx_bad_header, 5);
    /* a large frame without a TSO header is just too long */
    transmit_hdr(zero_hdr, 10, frame, len);
    assert_int_equal(st->tx_oversize, 1);
    assert_int_equal(used_idx(1), 7); /* every chain returned */
}

/* --profile's counters: bytes on whole page-aligned guest pages (a frame at a page boundary, one
 * behind the header in the same buffer, a chain outside guest RAM), the wake-up of a frame
 * queued from another thread and the guest's turnaround; nothing counted before profiling. */
static void test_profile_counters(void **state)
{
    (void)state;
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    static uint8_t frame[9054 + 10];
    uint32_t len = make_tcp4(frame + 10, 9000);
    assert_int_equal(len, 9054);
    transmit_hdr(tso4_hdr, 10, frame + 10, len);
    assert_int_equal(st->tx_gso, 1);
    assert_int_equal(st->tx_page_bytes, 0); /* not profiling */
    virtio_net_set_profiling(dev, true);
    /* the frame from DATA (page-aligned) on: pages 0x21000 and 0x22000 whole, the rest not */
    transmit_hdr(tso4_hdr, 10, frame + 10, len);
    assert_int_equal(st->tx_page_bytes, 8192);
    /* header and frame in one buffer at DATA: the frame starts 10 bytes in, so only 0x22000 */
    memcpy(frame, tso4_hdr, 10);
    assert_int_equal(physmap_write(&pm, DATA, frame, 10 + len), 0);
    put_desc(TX_RING, 4, DATA, 10 + len, 0, 0);
    publish(1, 4);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(st->tx_gso, 3);
    assert_int_equal(st->tx_page_bytes, 8192 + 4096);
    /* a frame outside guest RAM: the device breaks, nothing more counted */
    put_desc(TX_RING, 5, HDR, 10, VRING_DESC_F_NEXT, 6);
    put_desc(TX_RING, 6, 0xfffff000ull, len, 0, 0);
    publish(1, 5);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 1, 2);
    assert_int_equal(st->tx_gso, 3);
    assert_int_equal(st->tx_page_bytes, 8192 + 4096);
}

/* The wake-up and turnaround times: a frame queued from another thread waits 2 ms for the vCPU
 * thread; a transmit right after the delivery is a turnaround, the next one (no frame given
 * since) is not. */
static void test_profile_times(void **state)
{
    (void)state;
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    virtio_net_set_profiling(dev, true);
    post_rx(0, 1536);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    feed_from_thread(1, 100);
    nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 1);
    assert_int_equal(st->wake_n, 1);
    assert_true(st->wake_ns >= 2000000);
    assert_int_equal(st->wake_max_ns, st->wake_ns);
    virtio_net_poll(dev); /* nothing queued: no second interval */
    assert_int_equal(st->wake_n, 1);
    assert_int_equal(st->turn_n, 0);
    transmit(zero_hdr, 60, 1);
    assert_int_equal(st->turn_n, 1);
    assert_true(st->turn_ns < VIRTIO_NET_TURN_MAX_NS);
    transmit(zero_hdr, 60, 2);
    assert_int_equal(st->turn_n, 1);
    assert_int_equal(st->rx_page_bytes, 0); /* 100 bytes are no page */
}

static void test_tso_needs_backend(void **state)
{
    (void)state;
    uint32_t f = rd(VIRTIO_PCI_HOST_FEATURES, 4);
    assert_int_equal(f & (1u << 11 | 1u << 12), 0); /* a backend without large frames: no host TSO */
    assert_int_equal(f & (1u << 7 | 1u << 8), 1u << 7 | 1u << 8);
    static uint8_t frame[3054];
    transmit_hdr(tso4_hdr, 10, frame, make_tcp4(frame, 3000)); /* too long for an ordinary frame */
    transmit_hdr(tso4_hdr, 10, frame, make_tcp4(frame, 1000)); /* short enough, but TSO not offered */
    assert_int_equal(sent.n, 0);
    assert_int_equal(virtio_net_stats(dev)->tx_oversize, 1);
    assert_int_equal(virtio_net_stats(dev)->tx_bad_header, 1);
}

/* A large frame as a sending card hands it over (checked by net_gso_prepare). */
static void deliver_tso4(uint32_t payload)
{
    static uint8_t frame[65536];
    struct net_buf *b = net_buf_new(frame, make_tcp4(frame, payload));
    memcpy(b->data, frame, b->len);
    b->csum = NET_CSUM_PARTIAL;
    b->csum_start = 34;
    b->csum_offset = 16;
    b->gso_type = NET_GSO_TCPV4;
    b->gso_size = 1448;
    assert_int_equal(net_gso_prepare(b), 0);
    netdev_deliver(&tb, b);
    net_buf_put(b);
}

static void test_tso_receive_cut(void **state)
{
    (void)state;
    for (unsigned k = 0; k < 3; k++)
        post_rx(k, 2048);
    deliver_tso4(3000);
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 3); /* a guest without GUEST_TSO gets three segments */
    static uint8_t frame[3054];
    make_tcp4(frame, 3000);
    const uint32_t seg[3] = {1448, 1448, 104};
    for (unsigned k = 0; k < 3; k++) {
        uint32_t id, ulen;
        used_elem(0, (uint16_t)k, &id, &ulen);
        assert_int_equal(id, k);
        assert_int_equal(ulen, 10 + 54 + seg[k]);
        uint8_t got[2048];
        assert_int_equal(physmap_read(&pm, RXBUF + 0x800ull * k, got, ulen), 0);
        assert_int_equal(got[0], 1); /* NEEDS_CSUM: it took GUEST_CSUM */
        assert_int_equal(got[1], 0); /* an ordinary frame */
        assert_int_equal(got[10 + 16] << 8 | got[10 + 17], 54 - 14 + seg[k]);
        assert_memory_equal(got + 10 + 54, frame + 54 + 1448 * k, seg[k]);
    }
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->rx_segmented, 1);
    assert_int_equal(st->rx_frames, 3);
    assert_int_equal(st->rx_gso, 0);
}

static void test_mrg_receive(void **state)
{
    (void)state;
    assert_true(rd(VIRTIO_PCI_HOST_FEATURES, 4) & 1u << 15);
    post_rx(0, 2048);
    deliver_tso4(3000); /* 12 + 3054 bytes: two buffers */
    virtio_net_poll(dev);
    assert_int_equal(used_idx(0), 0); /* the frame waits for a second buffer, the first kept */
    post_rx(1, 2048);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(used_idx(0), 2);
    uint32_t id, ulen;
    used_elem(0, 0, &id, &ulen);
    assert_int_equal(id, 0);
    assert_int_equal(ulen, 2048);
    used_elem(0, 1, &id, &ulen);
    assert_int_equal(id, 1);
    assert_int_equal(ulen, 12 + 3054 - 2048);
    uint8_t got[4096];
    static uint8_t frame[3054];
    make_tcp4(frame, 3000);
    assert_int_equal(physmap_read(&pm, RXBUF, got, 2048), 0);
    assert_int_equal(physmap_read(&pm, RXBUF + 0x800, got + 2048, ulen), 0);
    static const uint8_t want_hdr[12] = {1, 1, 54, 0, 1448 & 0xff, 1448 >> 8, 34, 0, 16, 0, 2, 0};
    assert_memory_equal(got, want_hdr, 12); /* whole, for a GUEST_TSO4 guest, num_buffers 2 */
    assert_memory_equal(got + 12, frame, 3054);
    const struct virtio_net_stats *st = virtio_net_stats(dev);
    assert_int_equal(st->rx_gso, 1);
    assert_int_equal(st->rx_frames, 1);
    /* transmit takes the 12-byte header then: a 12-byte header chain is read right */
    uint8_t hdr12[12] = {0};
    static uint8_t small[60];
    make_frame(small, 60, 3);
    transmit_hdr(hdr12, 12, small, 60);
    assert_int_equal(sent.n, 1);
    assert_int_equal(sent.len[0], 60);
    assert_memory_equal(sent.data[0], small, 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pci_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit_bad_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runaway_avail_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_waits_for_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_buffer_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_queue_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_not_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_buffer_in_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit_held_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_refuses_when_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csum_features, setup_csum, teardown),
        cmocka_unit_test_setup_teardown(test_tso_transmit, setup_tso, teardown),
        cmocka_unit_test_setup_teardown(test_tso_needs_backend, setup_tso_no_backend, teardown),
        cmocka_unit_test_setup_teardown(test_tso_receive_cut, setup_csum_only, teardown),
        cmocka_unit_test_setup_teardown(test_mrg_receive, setup_mrg, teardown),
        cmocka_unit_test_setup_teardown(test_profile_counters, setup_tso, teardown),
        cmocka_unit_test_setup_teardown(test_profile_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csum_transmit, setup_csum, teardown),
        cmocka_unit_test_setup_teardown(test_csum_receive, setup_csum, teardown),
        cmocka_unit_test_setup_teardown(test_csum_receive_without_guest_csum, setup_csum, teardown),
        cmocka_unit_test(test_switch),
        cmocka_unit_test(test_switch_threads),
        cmocka_unit_test(test_switch_backpressure),
        cmocka_unit_test(test_switch_deaf_receiver),
        cmocka_unit_test(test_switch_backpressure_threads),
        cmocka_unit_test(test_user_backlog),
        cmocka_unit_test(test_socket_holds_for_full_card),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

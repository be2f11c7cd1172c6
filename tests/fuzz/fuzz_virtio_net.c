/*
 * Fuzzing virtio-net's virtqueues and registers (devices/virtio/virtio_net.c, virtqueue.c,
 * virtio_pci.c) against fake guest memory: the input is a guest driver's command sequence
 * (tests/fuzz/virtio_cmds.h) after the Linux probe, on a card offering checksum offload or
 * not (the first input byte, modulo 3: 0 none, 1 checksum and TSO, its backend taking large
 * frames as the switch does, 2 the same with mergeable receive buffers), with a test backend. Command 7 hands the card a frame from the
 * backend: length, checksum state and offsets from the input (a partial checksum's field
 * anywhere inside the frame, as the sending card guarantees), offered as the switch offers it;
 * the checksum byte's top bit also fills or empties the backend, whose offers are then
 * refused (backpressure: the card holds a transmit chain, refuses frames for the guest); its
 * 0x40 bit makes the frame a large TCP one (0x20: IPv6) whose MSS and TCP header length come
 * from the input, handed over only if net_gso_prepare takes it (the sending card's contract),
 * so a card whose guest takes none cuts it up. Whatever the descriptors, rings and registers
 * say: no bad memory access, DMA never reaches the device window, every frame the backend gets
 * is a whole Ethernet frame (14 to NET_FRAME_MAX bytes) or a large frame that passed
 * net_gso_prepare and cuts into such frames, and a card in NEEDS_RESET sends nothing until a
 * reset. Cards 1 and 2 count as under --profile (their page walks see the same chains).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "devices/net/internal.h"
#include "tests/fuzz/virtio_cmds.h"

#define RX_RING 0x1000u
#define TX_RING 0x8000u

static unsigned sent;

static void tb_transmit(struct netdev *nd, struct net_buf *b)
{
    (void)nd;
    sent++;
    if (b->gso_type != NET_GSO_NONE) {
        struct net_buf *copy = net_buf_new(b->data, b->len), *segs[NET_GSO_MAX_SEGS];
        if (!copy)
            abort();
        copy->csum = b->csum, copy->csum_start = b->csum_start, copy->csum_offset = b->csum_offset;
        copy->gso_type = b->gso_type, copy->gso_size = b->gso_size;
        int n = net_gso_prepare(copy) == 0 && copy->hdr_len == b->hdr_len ? net_gso_segment(copy, segs, NET_GSO_MAX_SEGS) : -1;
        if (n <= 0) {
            fprintf(stderr, "fuzz_virtio_net: the backend got a large frame that does not cut up\n");
            abort();
        }
        for (int i = 0; i < n; i++) {
            if (segs[i]->len > NET_FRAME_MAX)
                abort();
            net_buf_put(segs[i]);
        }
        net_buf_put(copy);
        return;
    }
    if (b->len < 14 || b->len > NET_FRAME_MAX) {
        fprintf(stderr, "fuzz_virtio_net: the backend got a frame of %u bytes\n", b->len);
        abort();
    }
    volatile uint8_t sum = 0; /* every byte must be readable */
    for (uint32_t i = 0; i < b->len; i++)
        sum += b->data[i];
    (void)sum;
}

static void tb_destroy(struct netdev *nd)
{
    (void)nd;
}

static bool tb_full;

static int tb_offer(struct netdev *nd, struct net_buf *b)
{
    if (tb_full)
        return -EAGAIN;
    tb_transmit(nd, b);
    return 0;
}

static const struct netdev_ops tb_ops = {.transmit = tb_transmit, .offer = tb_offer, .destroy = tb_destroy};
static struct netdev tb[3];
static struct virtio_net *cards[3];
static struct virtio_net *dev;

static void poll_dev(void)
{
    virtio_net_poll(dev);
}

static const uint32_t rings[2] = {RX_RING, TX_RING};

/* A large TCP frame of len bytes (IPv6 or IPv4, TCP header doff words, MSS mss) over b's
 * pattern, if net_gso_prepare takes it. */
static bool make_gso(struct net_buf *b, bool v6, unsigned doff, uint16_t mss)
{
    uint8_t *f = b->data;
    unsigned l4 = v6 ? 54 : 34;
    if (b->len < l4 + 20)
        return false;
    uint32_t l3_len = b->len - 14;
    f[12] = v6 ? 0x86 : 0x08, f[13] = v6 ? 0xDD : 0x00;
    if (v6) {
        f[14] = 0x60, f[18] = (uint8_t)((l3_len - 40) >> 8), f[19] = (uint8_t)(l3_len - 40), f[20] = 6;
    } else {
        f[14] = 0x45, f[16] = (uint8_t)(l3_len >> 8), f[17] = (uint8_t)l3_len, f[20] = f[21] = 0, f[23] = 6;
    }
    f[l4 + 12] = (uint8_t)(doff << 4);
    b->csum = NET_CSUM_PARTIAL;
    b->csum_start = (uint16_t)l4;
    b->csum_offset = 16;
    b->gso_type = v6 ? NET_GSO_TCPV6 : NET_GSO_TCPV4;
    b->gso_size = mss;
    return net_gso_prepare(b) == 0;
}

/* Command 7: LEN16 CSUM START16 OFF16 SEED, a frame from the backend (a large one: START16 is
 * the MSS, OFF16's low bits the TCP header's length in words). */
static void rx_frame(struct cmd_in *in, struct netdev *nd)
{
    uint32_t len = in_u16(in);
    uint8_t flags = in_u8(in), csum = flags % 3;
    bool gso = flags & 0x40;
    len %= gso ? NET_GSO_FRAME_MAX + 1 : NET_FRAME_MAX + 64;
    tb_full = flags & 0x80;
    uint16_t start = in_u16(in), off = in_u16(in), mss = start, doff = (uint16_t)(5 + off % 11);
    uint8_t seed = in_u8(in);
    struct net_buf *b = net_buf_new(NULL, len);
    if (!b)
        abort();
    for (uint32_t i = 0; i < len; i++)
        b->data[i] = (uint8_t)(seed + i * 7);
    /* the sender's page span (--profile's remap count): any span, even one past the frame */
    b->page_lo = (uint32_t)seed * 4096u / 16u;
    b->page_hi = b->page_lo + (uint32_t)(flags & 0x0f) * 4096u;
    /* net_buf's contract (devices/net/net.h), which the sending card's tx_header_ok keeps: a
     * partial checksum's field lies inside the frame */
    if (csum == NET_CSUM_PARTIAL && len < 2)
        csum = NET_CSUM_NONE;
    if (csum == NET_CSUM_PARTIAL) {
        start %= len - 1;
        off %= len - 1 - start;
    }
    b->csum = csum;
    b->csum_start = start;
    b->csum_offset = off;
    if (gso && !make_gso(b, flags & 0x20, doff, mss)) {
        net_buf_put(b);
        return;
    }
    netdev_deliver_offer(nd, b);
    net_buf_put(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cards[0]) {
        rig_machine_init();
        static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
        struct virtio_host host = {.kick = kick};
        for (unsigned i = 0; i < 3; i++) {
            tb[i] = (struct netdev){.ops = &tb_ops, .partial_csum = i > 0, .gso = i > 0};
            unsigned opts = i ? VIRTIO_NET_OPT_CSUM | VIRTIO_NET_OPT_GUEST_CSUM | VIRTIO_NET_OPT_HOST_TSO4 |
                                    VIRTIO_NET_OPT_HOST_TSO6 | VIRTIO_NET_OPT_GUEST_TSO4 | VIRTIO_NET_OPT_GUEST_TSO6
                              : 0;
            if (i == 2)
                opts |= VIRTIO_NET_OPT_MRG_RXBUF;
            assert_int_equal(virtio_net_create(&cards[i], &pm, &tb[i], mac, opts, &host), 0);
            virtio_pci_attach(virtio_net_pci(cards[i]), NULL, -1, (struct irq_line){.set = set_irq});
            virtio_net_set_profiling(cards[i], i > 0); /* the page counters walk hostile chains too */
        }
    }
    unsigned which = size > 0 ? data[0] % 3 : 0;
    dev = cards[which];
    tb_full = false;
    vp = virtio_net_pci(dev);
    /* a clean machine for every input; the other cards stay reset */
    assert_int_equal(physmap_zero(&pm, 0, RAM_SIZE), 0);
    for (unsigned i = 0; i < 3; i++)
        if (i != which)
            virtio_pci_io_ops.write(virtio_net_pci(cards[i]), VIRTIO_PCI_STATUS, 0, 1);
    driver_setup(2, rings);
    mmio_accesses = 0;
    struct cmd_in in = {.p = data, .n = size, .at = size > 0};
    while (in.at < in.n) {
        uint8_t c = in_u8(&in);
        bool dead = vp->status & VIRTIO_CONFIG_S_NEEDS_RESET;
        unsigned before = sent;
        if (!run_cmd(&in, c, 2, poll_dev))
            rx_frame(&in, &tb[which]);
        if (dead && (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) && sent != before) {
            fprintf(stderr, "fuzz_virtio_net: a card in NEEDS_RESET transmitted\n");
            abort();
        }
        if (mmio_accesses) {
            fprintf(stderr, "fuzz_virtio_net: DMA reached the device window\n");
            abort();
        }
    }
    virtio_net_poll(dev);
    return 0;
}

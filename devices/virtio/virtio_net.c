/*
 * virtio-net over the legacy PCI transport (PCI 1AF4:1000, subsystem 0001, class 0x0200, I/O
 * BAR 0 of 32 bytes, as QEMU shows it: /work/shared/docs/vmm-facts.md §1.2). Queue 0 receives,
 * queue 1 transmits (Linux include/uapi/linux/virtio_net.h). Offered: VIRTIO_NET_F_MAC (the
 * config's first six bytes), VIRTIO_NET_F_STATUS (link up) and indirect descriptors; no
 * checksum or segmentation offload and no mergeable buffers, so every frame is one whole
 * Ethernet frame behind the legacy 10-byte struct virtio_net_hdr, and Linux posts receive
 * buffers big enough for one (its "small" buffers).
 *
 * Transmit, on the vCPU thread at the guest's notify: each chain's readable bytes are the
 * header and the frame; the frame is copied out of guest RAM once into a net_buf and offered
 * to the backend. A header asking for an offload we did not offer, a frame shorter than an
 * Ethernet header or longer than NET_FRAME_MAX is dropped and counted; the chain is always
 * returned. A backend that holds the sender back (the switch, its receiver full: net.h) leaves
 * the chain unreturned and the frame held here; the rest of the ring waits behind it, so the
 * guest's queue stops as on a real link, until the backend's tx_resume or NET_TX_RETRY_NS of
 * the board's clock (virtio_net_next_event_ns wakes a waiting vCPU for it).
 *
 * Receive: the backend calls net_rx from its own thread (or another VM's vCPU thread); the
 * frame is queued here (bounded: when full it is dropped and counted, as a NIC drops on
 * overrun) and the vCPU thread is kicked when the queue stops being empty. The switch offers
 * instead (net_offer): a full queue refuses the frame, and once it has drained to half the
 * card tells the backend (netdev_rx_room) so that the held senders go on. virtio_net_poll
 * (the board's update) and the guest's notify of queue 0 copy queued frames into receive
 * buffers, a zeroed header first. A frame that does not fit the next buffer is dropped and
 * the buffer stays for the next frame. So guest memory and the rings are touched only by the
 * vCPU thread, as for virtio-blk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/host_clock.h"
#include "devices/net/net.h"
#include "devices/virtio/virtio.h"

/* Feature bits, header flags and config (Linux include/uapi/linux/virtio_net.h). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_HDR_LEN 10 /* struct virtio_net_hdr, legacy, without MRG_RXBUF */
#define VIRTIO_NET_HDR_MRG_LEN 12 /* with it, both ways: num_buffers follows (virtio 1.0 §5.1.6) */
#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_LEN 8 /* BAR 0 is then 32 bytes, as QEMU's */

#define QUEUE_RX 0
#define QUEUE_TX 1
#define QUEUE_SIZE 256 /* QEMU's default for both */
/* Frames waiting for the vCPU thread: about two rings' worth. */
#define RXQ_LEN 512

struct virtio_net {
    struct virtio_pci vp;
    struct physmap *pm;
    struct netdev *nd;
    struct virtio_host host;
    uint8_t config[CFG_LEN];
    struct virtq_elem *elem; /* scratch for one popped chain (vCPU thread) */
    /* mergeable buffers: the first chain of a frame, and every chain's head and length */
    struct virtq_elem *elem_first;
    uint16_t mrg_head[QUEUE_SIZE];
    uint32_t mrg_len[QUEUE_SIZE];
    struct virtio_net_stats stats;
    /* frames for the guest: any thread in, the vCPU thread out */
    pthread_mutex_t lock;
    struct net_buf *rxq[RXQ_LEN];
    unsigned rx_head, rx_count;
    bool rx_refused; /* an offer was refused since the queue last had room */
    _Atomic bool rx_pending;
    /* a frame the backend held back (vCPU thread), its chain, when it is offered again (board
     * time); tx_resume: the backend says it may go now (any thread) */
    struct net_buf *tx_held;
    uint16_t tx_held_head;
    uint64_t tx_retry_at;
    _Atomic bool tx_resume;
    struct dev_clock clock; /* the board's; none: host time */
    /* the link: a request from any thread (-1: none), applied by the vCPU thread, and its
     * state for readers on other threads */
    _Atomic int link_req;
    _Atomic bool link_up;
    /* the segments of a large frame the guest does not take, still to deliver (vCPU thread) */
    struct net_buf *segs[NET_GSO_MAX_SEGS];
    unsigned seg_next, seg_count;
    /* --profile: when the queue stopped being empty (any thread; 0: taken), when the vCPU
     * thread last gave the guest frames (0: the guest has transmitted since) */
    bool profiling;
    _Atomic uint64_t kick_at;
    uint64_t rx_given_at;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* One interval into a count, a sum and a maximum (written by the vCPU thread only). */
static void timed(_Atomic uint64_t *n, _Atomic uint64_t *sum, _Atomic uint64_t *max, uint64_t ns)
{
    count(n, 1);
    count(sum, ns);
    if (ns > atomic_load_explicit(max, memory_order_relaxed))
        atomic_store_explicit(max, ns, memory_order_relaxed);
}

/* A walk over the frame in a chain for --profile: the bytes on whole page-aligned 4 KiB guest
 * pages; the frame offsets those pages span when they all sit at one offset within a page
 * (mixed: they do not); and, given the sender's span (from), the bytes of pages that were whole
 * pages on both sides at the same frame offsets, which a remap could have moved. */
struct page_walk {
    uint64_t bytes, match;
    uint32_t lo, hi;
    bool mixed;
};

/* Bytes [skip, skip + len) of e's readable (in: writable) segments, which hold the frame from
 * offset base on. */
static void page_walk(const struct virtq_elem *e, bool in, uint64_t skip, uint64_t len, uint32_t base,
                      const struct net_buf *from, struct page_walk *w)
{
    unsigned first = in ? e->n_out : 0, end = in ? e->n_out + e->n_in : e->n_out;
    uint64_t pos = 0;
    for (unsigned i = first; i < end && pos < skip + len; pos += e->seg[i].len, i++) {
        uint64_t a = pos > skip ? pos : skip, b = pos + e->seg[i].len < skip + len ? pos + e->seg[i].len : skip + len;
        if (a >= b)
            continue;
        uint64_t g0 = e->seg[i].gpa + (a - pos), g1 = e->seg[i].gpa + (b - pos);
        uint64_t p0 = (g0 + 4095) & ~4095ull, p1 = g1 & ~4095ull;
        if (p1 <= p0)
            continue;
        w->bytes += p1 - p0;
        uint32_t f0 = (uint32_t)(base + (a - skip) + (p0 - g0)), f1 = (uint32_t)(f0 + (p1 - p0));
        if (w->hi == w->lo && !w->mixed) {
            w->lo = f0, w->hi = f1;
        } else if (!w->mixed && f0 % 4096 == w->lo % 4096) {
            w->lo = f0 < w->lo ? f0 : w->lo;
            w->hi = f1 > w->hi ? f1 : w->hi;
        } else {
            w->mixed = true;
        }
        if (from && from->page_hi > from->page_lo && f0 % 4096 == from->page_lo % 4096) {
            uint32_t m0 = f0 > from->page_lo ? f0 : from->page_lo, m1 = f1 < from->page_hi ? f1 : from->page_hi;
            if (m1 > m0)
                w->match += m1 - m0;
        }
    }
}

static void count_rx_pages(struct virtio_net *n, const struct virtq_elem *e, uint64_t skip, uint64_t len,
                           uint32_t base, const struct net_buf *b)
{
    struct page_walk w = {0};
    page_walk(e, true, skip, len, base, b, &w);
    count(&n->stats.rx_page_bytes, w.bytes);
    count(&n->stats.rx_remappable_bytes, w.match);
}

/* ---- receive ------------------------------------------------------------------------------- */

/* Queues b for the guest: 0, or -EAGAIN when the queue is full (refuse: the backend is told
 * when there is room again; else the frame is dropped and counted). */
static int rx_enqueue(struct virtio_net *n, struct net_buf *b, bool refuse)
{
    bool kick = false;
    pthread_mutex_lock(&n->lock);
    if (n->rx_count == RXQ_LEN) {
        if (refuse)
            n->rx_refused = true;
        pthread_mutex_unlock(&n->lock);
        count(refuse ? &n->stats.rx_refused : &n->stats.rx_queue_full, 1);
        return -EAGAIN;
    }
    net_buf_get(b);
    n->rxq[(n->rx_head + n->rx_count) % RXQ_LEN] = b;
    kick = n->rx_count++ == 0;
    if (kick && n->profiling)
        atomic_store_explicit(&n->kick_at, host_monotonic_ns(), memory_order_relaxed);
    atomic_store_explicit(&n->rx_pending, true, memory_order_release);
    pthread_mutex_unlock(&n->lock);
    if (kick && n->host.kick)
        n->host.kick(n->host.ctx);
    return 0;
}

static void net_rx(void *ctx, struct net_buf *b)
{
    rx_enqueue(ctx, b, false);
}

static int net_offer(void *ctx, struct net_buf *b)
{
    return rx_enqueue(ctx, b, true);
}

/* The backend may take the held frame now (any thread). */
static void net_tx_resume(void *ctx)
{
    struct virtio_net *n = ctx;
    atomic_store_explicit(&n->tx_resume, true, memory_order_release);
    if (n->host.kick)
        n->host.kick(n->host.ctx);
}

static struct net_buf *rxq_peek(struct virtio_net *n)
{
    pthread_mutex_lock(&n->lock);
    struct net_buf *b = n->rx_count ? n->rxq[n->rx_head] : NULL;
    if (!b)
        atomic_store_explicit(&n->rx_pending, false, memory_order_relaxed);
    pthread_mutex_unlock(&n->lock);
    return b;
}

static void rxq_drop_head(struct virtio_net *n)
{
    pthread_mutex_lock(&n->lock);
    struct net_buf *b = n->rxq[n->rx_head];
    n->rxq[n->rx_head] = NULL;
    n->rx_head = (n->rx_head + 1) % RXQ_LEN;
    n->rx_count--;
    /* Room again after refusing: tell the backend at half, not at every frame, so a held
     * sender comes back with a batch's worth of room. */
    bool room = n->rx_refused && n->rx_count <= RXQ_LEN / 2;
    if (room)
        n->rx_refused = false;
    pthread_mutex_unlock(&n->lock);
    net_buf_put(b);
    if (room)
        netdev_rx_room(n->nd);
}

static bool has(const struct virtio_net *n, unsigned bit)
{
    return n->vp.guest_features >> bit & 1;
}

/* Whether the guest takes b whole: a large frame needs GUEST_TSO4/6 (and GUEST_CSUM, which the
 * virtio spec makes them depend on: a large frame's checksum is always partial). */
static bool rx_takes(const struct virtio_net *n, const struct net_buf *b)
{
    if (b->gso_type == NET_GSO_NONE)
        return true;
    if (!has(n, VIRTIO_NET_F_GUEST_CSUM))
        return false;
    return has(n, b->gso_type == NET_GSO_TCPV4 ? VIRTIO_NET_F_GUEST_TSO4 : VIRTIO_NET_F_GUEST_TSO6);
}

static void segs_drop(struct virtio_net *n)
{
    while (n->seg_next < n->seg_count)
        net_buf_put(n->segs[n->seg_next++]);
    n->seg_next = n->seg_count = 0;
}

/* The next frame for the guest: a segment still to deliver, else the queue's head (a large
 * frame the guest does not take is cut into segments first). */
static struct net_buf *rx_next(struct virtio_net *n, bool *seg)
{
    for (;;) {
        if (n->seg_next < n->seg_count) {
            *seg = true;
            return n->segs[n->seg_next];
        }
        *seg = false;
        struct net_buf *b = rxq_peek(n);
        if (!b || rx_takes(n, b))
            return b;
        int k = net_gso_segment(b, n->segs, NET_GSO_MAX_SEGS);
        if (k < 0)
            count(&n->stats.rx_queue_full, 1); /* out of memory: dropped as on overrun */
        else
            count(&n->stats.rx_segmented, 1);
        n->seg_next = 0;
        n->seg_count = k < 0 ? 0 : (unsigned)k;
        rxq_drop_head(n);
    }
}

static void rx_done(struct virtio_net *n, bool seg)
{
    if (seg)
        net_buf_put(n->segs[n->seg_next++]);
    else
        rxq_drop_head(n);
}

enum rx_result { RX_DONE, RX_WAIT, RX_TOO_SMALL, RX_BROKEN };

/* The header for b: its checksum state if the driver takes it (GUEST_CSUM), a large frame as it
 * is (rx_takes said the guest takes it). False when the driver takes no partial checksum: the
 * caller completes it on the way into guest RAM (the buffer is shared with other ports and
 * stays as it is). */
static bool rx_header(const struct virtio_net *n, const struct net_buf *b, uint8_t hdr[VIRTIO_NET_HDR_LEN])
{
    memset(hdr, 0, VIRTIO_NET_HDR_LEN);
    bool guest_csum = has(n, VIRTIO_NET_F_GUEST_CSUM);
    if (b->csum == NET_CSUM_PARTIAL && !guest_csum)
        return false;
    if (b->csum == NET_CSUM_PARTIAL) {
        hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        memcpy(hdr + 6, &b->csum_start, 2);
        memcpy(hdr + 8, &b->csum_offset, 2);
        if (b->gso_type != NET_GSO_NONE) {
            hdr[1] = b->gso_type;
            memcpy(hdr + 2, &b->hdr_len, 2);
            memcpy(hdr + 4, &b->gso_size, 2);
        }
    } else if (b->csum == NET_CSUM_VALID && guest_csum) {
        hdr[0] = VIRTIO_NET_HDR_F_DATA_VALID;
    }
    return true;
}

/* b into one receive buffer. */
static enum rx_result rx_deliver(struct virtio_net *n, const struct net_buf *b)
{
    struct virtio_pci *vp = &n->vp;
    struct virtq *q = &vp->vq[QUEUE_RX];
    const char *why = NULL;
    enum virtq_pop got = virtq_pop(q, n->elem, &why);
    if (got == VIRTQ_BROKEN) {
        virtio_pci_broken(vp, why);
        return RX_BROKEN;
    }
    if (got == VIRTQ_EMPTY)
        return RX_WAIT;
    struct virtq_elem *e = n->elem;
    if (e->in_bytes < VIRTIO_NET_HDR_LEN + (uint64_t)b->len) {
        /* Too small for this frame: give the buffer to the next frame instead. */
        q->last_avail--;
        return RX_TOO_SMALL;
    }
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    bool fix = !rx_header(n, b, hdr);
    uint16_t csum = 0, at = 0;
    if (fix) {
        uint16_t c = net_csum_partial(b);
        csum = (uint16_t)(c >> 8 | c << 8); /* big-endian in the frame */
        at = (uint16_t)(b->csum_start + b->csum_offset);
    }
    if (virtq_copy_to(n->pm, e, 0, hdr, sizeof(hdr)) != sizeof(hdr) ||
        virtq_copy_to(n->pm, e, sizeof(hdr), b->data, b->len) != (long)b->len ||
        (fix && virtq_copy_to(n->pm, e, sizeof(hdr) + at, &csum, 2) != 2) ||
        virtq_push(q, e->head, VIRTIO_NET_HDR_LEN + b->len) < 0) {
        virtio_pci_broken(vp, "a receive buffer or the used ring is no longer writable");
        return RX_BROKEN;
    }
    if (n->profiling)
        count_rx_pages(n, e, sizeof(hdr), b->len, 0, b);
    return RX_DONE;
}

/* b, behind the 12-byte header, over as many receive buffers as it takes (MRG_RXBUF: Linux
 * posts buffers of about a page then, instead of 64 KiB ones for large frames); num_buffers
 * says how many. Nothing is returned to the guest until the whole frame is in. */
static enum rx_result rx_deliver_mrg(struct virtio_net *n, const struct net_buf *b)
{
    struct virtio_pci *vp = &n->vp;
    struct virtq *q = &vp->vq[QUEUE_RX];
    struct net_buf *done_csum = NULL;
    uint8_t hdr[VIRTIO_NET_HDR_MRG_LEN] = {0};
    if (!rx_header(n, b, hdr)) {
        /* a partial checksum for a guest that takes none: complete it in a copy (spread over
         * buffers, the field could be anywhere) */
        done_csum = net_buf_new(b->data, b->len);
        if (!done_csum)
            return RX_TOO_SMALL;
        done_csum->csum = b->csum, done_csum->csum_start = b->csum_start, done_csum->csum_offset = b->csum_offset;
        net_buf_finish_csum(done_csum);
        b = done_csum;
    }
    uint64_t total = sizeof(hdr) + (uint64_t)b->len, at = 0;
    unsigned k = 0;
    enum rx_result r = RX_DONE;
    while (at < total) {
        const char *why = NULL;
        enum virtq_pop got = k < QUEUE_SIZE ? virtq_pop(q, n->elem, &why) : VIRTQ_EMPTY;
        if (got == VIRTQ_BROKEN) {
            virtio_pci_broken(vp, why);
            r = RX_BROKEN;
            goto out;
        }
        struct virtq_elem *e = n->elem;
        if (got == VIRTQ_EMPTY || (k == 0 && e->in_bytes < sizeof(hdr))) {
            /* the ring ran out (the frame waits for more; a whole ring would not hold it: it
             * is dropped), or a first buffer too small for the header: the buffers go back */
            q->last_avail = (uint16_t)(q->last_avail - k - (got == VIRTQ_GOT));
            r = got == VIRTQ_GOT || k == QUEUE_SIZE ? RX_TOO_SMALL : RX_WAIT;
            goto out;
        }
        uint64_t chunk = e->in_bytes < total - at ? e->in_bytes : total - at, off = 0;
        if (at < sizeof(hdr)) {
            off = sizeof(hdr); /* the header's place, filled once num_buffers is known */
            n->elem = n->elem_first;
            n->elem_first = e;
        }
        if (chunk > off && virtq_copy_to(n->pm, e, off, b->data + at + off - sizeof(hdr), chunk - off) != (long)(chunk - off)) {
            virtio_pci_broken(vp, "a receive buffer is no longer writable");
            r = RX_BROKEN;
            goto out;
        }
        if (n->profiling && chunk > off)
            count_rx_pages(n, e, off, chunk - off, (uint32_t)(at + off - sizeof(hdr)), b);
        n->mrg_head[k] = e->head;
        n->mrg_len[k++] = (uint32_t)chunk;
        at += chunk;
    }
    uint16_t nbuf = (uint16_t)k;
    memcpy(hdr + VIRTIO_NET_HDR_LEN, &nbuf, 2);
    if (virtq_copy_to(n->pm, n->elem_first, 0, hdr, sizeof(hdr)) != sizeof(hdr)) {
        virtio_pci_broken(vp, "a receive buffer is no longer writable");
        r = RX_BROKEN;
        goto out;
    }
    for (unsigned i = 0; i < k; i++) {
        if (virtq_push(q, n->mrg_head[i], n->mrg_len[i]) < 0) {
            virtio_pci_broken(vp, "the used ring is no longer writable");
            r = RX_BROKEN;
            goto out;
        }
    }
out:
    net_buf_put(done_csum);
    return r;
}

static void net_rx_process(struct virtio_net *n)
{
    struct virtio_pci *vp = &n->vp;
    bool delivered = false, seg;
    struct net_buf *b;
    if (n->profiling) {
        uint64_t at = atomic_exchange_explicit(&n->kick_at, 0, memory_order_relaxed);
        uint64_t now = host_monotonic_ns();
        if (at && now > at)
            timed(&n->stats.wake_n, &n->stats.wake_ns, &n->stats.wake_max_ns, now - at);
    }
    while ((b = rx_next(n, &seg))) {
        if (!virtio_pci_live(vp) || !(n->config[CFG_STATUS] & VIRTIO_NET_S_LINK_UP)) {
            count(&n->stats.rx_not_ready, 1);
            rx_done(n, seg);
            continue;
        }
        enum rx_result r = has(n, VIRTIO_NET_F_MRG_RXBUF) ? rx_deliver_mrg(n, b) : rx_deliver(n, b);
        if (r == RX_BROKEN || r == RX_WAIT)
            break; /* RX_WAIT: the frame waits for the guest's next buffers (it notifies queue 0) */
        if (r == RX_TOO_SMALL) {
            count(&n->stats.rx_too_big, 1);
            rx_done(n, seg);
            continue;
        }
        count(&n->stats.rx_frames, 1);
        count(&n->stats.rx_bytes, b->len);
        if (b->gso_type != NET_GSO_NONE)
            count(&n->stats.rx_gso, 1);
        rx_done(n, seg);
        delivered = true;
    }
    if (delivered && n->profiling)
        n->rx_given_at = host_monotonic_ns();
    if (delivered)
        virtio_pci_queue_done(vp, QUEUE_RX);
}

/* ---- transmit ------------------------------------------------------------------------------ */

/* A transmit header we can honour: NEEDS_CSUM only if CSUM was negotiated, with the checksum
 * field inside the frame; GSO only TCPv4/v6 as negotiated (HOST_TSO4/6, which the virtio spec
 * makes depend on CSUM), no ECN or UDP, and always with NEEDS_CSUM; net_gso_prepare checks the
 * frame itself. */
static bool tx_header_ok(const struct virtio_net *n, const uint8_t hdr[VIRTIO_NET_HDR_LEN], uint64_t frame)
{
    if (hdr[0] & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
        return false;
    if (hdr[1] == NET_GSO_TCPV4 ? !has(n, VIRTIO_NET_F_HOST_TSO4)
        : hdr[1] == NET_GSO_TCPV6 ? !has(n, VIRTIO_NET_F_HOST_TSO6)
        : hdr[1] != NET_GSO_NONE)
        return false;
    if (!(hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM))
        return hdr[1] == NET_GSO_NONE;
    if (!has(n, VIRTIO_NET_F_CSUM))
        return false;
    uint16_t start, off;
    memcpy(&start, hdr + 6, 2);
    memcpy(&off, hdr + 8, 2);
    return (uint64_t)start + off + 2 <= frame;
}

static uint64_t net_now_ns(const struct virtio_net *n)
{
    if (n->clock.now_ns)
        return dev_now_ns(&n->clock);
    return host_monotonic_ns();
}

/* Offers b (the chain head's frame) to the backend: true if it went (or was dropped), false
 * if the backend holds it back, which keeps it here, its chain unreturned. */
static bool tx_offer(struct virtio_net *n, struct net_buf *b, uint16_t head)
{
    if (!(n->config[CFG_STATUS] & VIRTIO_NET_S_LINK_UP) || netdev_offer(n->nd, b) == 0) {
        count(&n->stats.tx_frames, 1);
        count(&n->stats.tx_bytes, b->len);
        return true;
    }
    net_buf_get(b);
    n->tx_held = b;
    n->tx_held_head = head;
    n->tx_retry_at = net_now_ns(n) + NET_TX_RETRY_NS;
    count(&n->stats.tx_held, 1);
    return false;
}

static void tx_drop_held(struct virtio_net *n)
{
    net_buf_put(n->tx_held);
    n->tx_held = NULL;
}

static void net_tx_process(struct virtio_net *n)
{
    struct virtio_pci *vp = &n->vp;
    struct virtq *q = &vp->vq[QUEUE_TX];
    bool returned = false;
    atomic_store_explicit(&n->tx_resume, false, memory_order_relaxed);
    if (n->tx_held && virtio_pci_live(vp)) {
        struct net_buf *b = n->tx_held;
        n->tx_held = NULL;
        bool went = tx_offer(n, b, n->tx_held_head);
        uint16_t head = n->tx_held_head;
        net_buf_put(b);
        if (!went)
            return;
        if (virtq_push(q, head, 0) < 0) {
            virtio_pci_broken(vp, "the transmit queue's used ring is no longer writable");
            return;
        }
        returned = true;
    }
    while (virtio_pci_live(vp)) {
        const char *why = NULL;
        enum virtq_pop got = virtq_pop(q, n->elem, &why);
        if (got == VIRTQ_BROKEN) {
            virtio_pci_broken(vp, why);
            break;
        }
        if (got == VIRTQ_EMPTY)
            break;
        struct virtq_elem *e = n->elem;
        uint8_t hdr[VIRTIO_NET_HDR_LEN];
        unsigned hlen = has(n, VIRTIO_NET_F_MRG_RXBUF) ? VIRTIO_NET_HDR_MRG_LEN : VIRTIO_NET_HDR_LEN;
        uint64_t frame = e->out_bytes >= hlen ? e->out_bytes - hlen : 0;
        bool went = true;
        bool hdr_read = e->out_bytes >= hlen && virtq_copy_from(n->pm, e, 0, hdr, sizeof(hdr)) == sizeof(hdr);
        /* only a header asking for TSO may come with more than an ordinary frame */
        uint64_t max = hdr_read && hdr[1] != NET_GSO_NONE && (has(n, VIRTIO_NET_F_HOST_TSO4) || has(n, VIRTIO_NET_F_HOST_TSO6))
                           ? NET_GSO_FRAME_MAX
                           : NET_FRAME_MAX;
        if (e->out_bytes < hlen || frame < NET_ETH_HLEN) {
            count(&n->stats.tx_runt, 1);
        } else if (frame > max) {
            count(&n->stats.tx_oversize, 1);
        } else if (!hdr_read || !tx_header_ok(n, hdr, frame)) {
            /* an offload this device did not offer (ECN, UDP, TSO without HOST_TSO, NEEDS_CSUM
             * without CSUM), or a checksum position outside the frame */
            count(&n->stats.tx_bad_header, 1);
        } else {
            struct net_buf *b = net_buf_new(NULL, (uint32_t)frame);
            if (b && virtq_copy_from(n->pm, e, hlen, b->data, frame) == (long)frame) {
                if (hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
                    b->csum = NET_CSUM_PARTIAL;
                    memcpy(&b->csum_start, hdr + 6, 2);
                    memcpy(&b->csum_offset, hdr + 8, 2);
                }
                b->gso_type = hdr[1];
                memcpy(&b->gso_size, hdr + 4, 2);
                if (b->gso_type != NET_GSO_NONE && net_gso_prepare(b) < 0) {
                    count(&n->stats.tx_bad_header, 1); /* not the TCP segment it claims to be */
                } else {
                    if (n->profiling) {
                        struct page_walk w = {0};
                        page_walk(e, false, hlen, frame, 0, NULL, &w);
                        count(&n->stats.tx_page_bytes, w.bytes);
                        if (!w.mixed)
                            b->page_lo = w.lo, b->page_hi = w.hi;
                    }
                    if (b->gso_type != NET_GSO_NONE)
                        count(&n->stats.tx_gso, 1);
                    else if (!netdev_takes_partial_csum(n->nd))
                        net_buf_finish_csum(b); /* slirp and sockets get whole frames */
                    went = tx_offer(n, b, e->head);
                }
            }
            net_buf_put(b);
        }
        if (!went)
            break; /* the chain stays with the device until the frame goes */
        if (virtq_push(q, e->head, 0) < 0) {
            virtio_pci_broken(vp, "the transmit queue's used ring is no longer writable");
            break;
        }
        returned = true;
    }
    if (returned)
        virtio_pci_queue_done(vp, QUEUE_TX);
}

/* ---- the transport's callbacks -------------------------------------------------------------- */

static void net_notify(void *dev, unsigned q)
{
    struct virtio_net *n = dev;
    if (q == QUEUE_TX && n->profiling && n->rx_given_at) {
        uint64_t d = host_monotonic_ns() - n->rx_given_at;
        n->rx_given_at = 0;
        if (d <= VIRTIO_NET_TURN_MAX_NS)
            timed(&n->stats.turn_n, &n->stats.turn_ns, &n->stats.turn_max_ns, d);
    }
    if (q == QUEUE_TX)
        net_tx_process(n);
    else if (q == QUEUE_RX)
        net_rx_process(n);
}

static uint32_t net_config_read(void *dev, unsigned off, unsigned size)
{
    struct virtio_net *n = dev;
    uint32_t v = 0;
    memcpy(&v, n->config + off, size);
    return v;
}

static void net_config_write(void *dev, unsigned off, uint32_t val, unsigned size)
{
    /* Legacy drivers may write the MAC (Linux virtnet_set_mac_address without CTRL_MAC_ADDR);
     * the frames' source addresses are the guest's business, so we keep what it writes. */
    struct virtio_net *n = dev;
    if (off + size <= CFG_STATUS)
        memcpy(n->config + off, &val, size);
}

/* Forgets queued and held frames; room tells the backend if the queue had refused some. */
static void net_flush(struct virtio_net *n, bool room)
{
    pthread_mutex_lock(&n->lock);
    while (n->rx_count) {
        net_buf_put(n->rxq[n->rx_head]);
        n->rxq[n->rx_head] = NULL;
        n->rx_head = (n->rx_head + 1) % RXQ_LEN;
        n->rx_count--;
    }
    atomic_store(&n->rx_pending, false);
    room &= n->rx_refused;
    n->rx_refused = false;
    pthread_mutex_unlock(&n->lock);
    if (n->tx_held)
        tx_drop_held(n); /* its chain went with the ring */
    segs_drop(n);
    if (room)
        netdev_rx_room(n->nd);
}

static void net_reset(void *dev)
{
    net_flush(dev, true);
}

static const struct virtio_dev_ops net_dev_ops = {
    .notify = net_notify,
    .config_read = net_config_read,
    .config_write = net_config_write,
    .reset = net_reset,
};

void virtio_net_set_link(struct virtio_net *n, bool up)
{
    uint8_t s = up ? VIRTIO_NET_S_LINK_UP : 0;
    atomic_store(&n->link_up, up);
    if ((n->config[CFG_STATUS] & VIRTIO_NET_S_LINK_UP) == s)
        return;
    n->config[CFG_STATUS] = s;
    virtio_pci_config_changed(&n->vp);
}

void virtio_net_request_link(struct virtio_net *n, bool up)
{
    atomic_store(&n->link_req, up ? 1 : 0);
    if (n->host.kick)
        n->host.kick(n->host.ctx);
}

bool virtio_net_link_up(const struct virtio_net *n)
{
    return atomic_load(&n->link_up);
}

void virtio_net_poll(struct virtio_net *n)
{
    if (atomic_load_explicit(&n->link_req, memory_order_relaxed) >= 0) {
        int r = atomic_exchange(&n->link_req, -1);
        if (r >= 0)
            virtio_net_set_link(n, r == 1);
    }
    if (atomic_load_explicit(&n->rx_pending, memory_order_acquire))
        net_rx_process(n);
    if (n->tx_held &&
        (atomic_load_explicit(&n->tx_resume, memory_order_acquire) || net_now_ns(n) >= n->tx_retry_at))
        net_tx_process(n);
}

uint64_t virtio_net_next_event_ns(const struct virtio_net *n)
{
    return n->tx_held && n->clock.now_ns ? n->tx_retry_at : DEV_NO_EVENT;
}

void virtio_net_set_clock(struct virtio_net *n, const struct dev_clock *clock)
{
    n->clock = *clock;
}

int virtio_net_create(struct virtio_net **out, struct physmap *pm, struct netdev *nd, const uint8_t mac[6],
                      unsigned opts, const struct virtio_host *host)
{
    struct virtio_net *n = calloc(1, sizeof(*n));
    struct virtq_elem *e = n ? malloc(sizeof(*e)) : NULL, *e2 = e ? malloc(sizeof(*e2)) : NULL;
    if (!e2) {
        free(e);
        free(n);
        return -ENOMEM;
    }
    n->elem = e;
    n->elem_first = e2;
    n->pm = pm;
    n->nd = nd;
    if (host)
        n->host = *host;
    memcpy(n->config + CFG_MAC, mac, 6);
    n->config[CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
    atomic_init(&n->link_up, true);
    atomic_init(&n->link_req, -1);
    pthread_mutex_init(&n->lock, NULL);
    uint32_t f = 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS | 1u << VIRTIO_RING_F_INDIRECT_DESC;
    if (opts & VIRTIO_NET_OPT_CSUM)
        f |= 1u << VIRTIO_NET_F_CSUM;
    if (opts & VIRTIO_NET_OPT_GUEST_CSUM)
        f |= 1u << VIRTIO_NET_F_GUEST_CSUM;
    /* TSO, each only with the checksum offload it depends on (virtio spec 5.1.3.1); the
     * guest's large frames only to a backend that takes them */
    if ((opts & VIRTIO_NET_OPT_CSUM) && netdev_takes_gso(nd)) {
        if (opts & VIRTIO_NET_OPT_HOST_TSO4)
            f |= 1u << VIRTIO_NET_F_HOST_TSO4;
        if (opts & VIRTIO_NET_OPT_HOST_TSO6)
            f |= 1u << VIRTIO_NET_F_HOST_TSO6;
    }
    if (opts & VIRTIO_NET_OPT_MRG_RXBUF)
        f |= 1u << VIRTIO_NET_F_MRG_RXBUF;
    if (opts & VIRTIO_NET_OPT_GUEST_CSUM) {
        if (opts & VIRTIO_NET_OPT_GUEST_TSO4)
            f |= 1u << VIRTIO_NET_F_GUEST_TSO4;
        if (opts & VIRTIO_NET_OPT_GUEST_TSO6)
            f |= 1u << VIRTIO_NET_F_GUEST_TSO6;
    }
    /* Class 0x0200 (Ethernet controller), as QEMU's virtio-net-pci. */
    virtio_pci_init(&n->vp, pm, VIRTIO_PCI_DEVICE_NET, VIRTIO_ID_NET, 0x020000, f, 2, QUEUE_SIZE, CFG_LEN,
                    &net_dev_ops, n);
    if (nd)
        netdev_attach(nd, &(struct net_port){.receive = net_rx, .offer = net_offer, .tx_resume = net_tx_resume,
                                             .ctx = n});
    *out = n;
    return 0;
}

void virtio_net_destroy(struct virtio_net *n)
{
    if (!n)
        return;
    net_flush(n, false); /* its netdev is gone already */
    pthread_mutex_destroy(&n->lock);
    free(n->elem);
    free(n->elem_first);
    free(n);
}

struct virtio_pci *virtio_net_pci(struct virtio_net *n)
{
    return &n->vp;
}

const struct virtio_net_stats *virtio_net_stats(const struct virtio_net *n)
{
    return &n->stats;
}

void virtio_net_set_profiling(struct virtio_net *n, bool on)
{
    n->profiling = on;
}

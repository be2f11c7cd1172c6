/*
 * devices/virtio: the legacy (virtio 0.9.5) PCI transport, the split virtqueue and the devices
 * behind them. Constants are the guest ABI (Linux include/uapi/linux/virtio_pci.h,
 * virtio_ring.h, virtio_config.h, virtio_blk.h; /work/shared/docs/vmm-facts.md §1).
 *
 * Threads: the transport and the virtqueue run on the vCPU thread only. A device may hand work
 * to its own I/O thread, which touches neither guest memory nor device state; it posts the
 * finished request back and asks the vCPU thread to look (struct virtio_host.kick).
 */
#ifndef MVISOR_VIRTIO_H
#define MVISOR_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/devices.h"

/* ---- legacy PCI register block (BAR 0, I/O space) ----------------------- */

#define VIRTIO_PCI_HOST_FEATURES 0
#define VIRTIO_PCI_GUEST_FEATURES 4
#define VIRTIO_PCI_QUEUE_PFN 8
#define VIRTIO_PCI_QUEUE_NUM 12
#define VIRTIO_PCI_QUEUE_SEL 14
#define VIRTIO_PCI_QUEUE_NOTIFY 16
#define VIRTIO_PCI_STATUS 18
#define VIRTIO_PCI_ISR 19
#define VIRTIO_PCI_CONFIG_OFF 20 /* no MSI-X on the Malta */
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_PCI_VRING_ALIGN 4096
#define VIRTIO_PCI_ISR_QUEUE 0x1
#define VIRTIO_PCI_ISR_CONFIG 0x2

#define VIRTIO_PCI_VENDOR 0x1AF4

/* Device status (Linux include/uapi/linux/virtio_config.h). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* ---- split ring (Linux include/uapi/linux/virtio_ring.h) ----------------- */

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_MAX_SIZE 1024  /* largest queue a device may offer */
#define VIRTQ_MAX_INDIRECT 1024 /* largest indirect table accepted (entries) */

/* One guest buffer of a chain, checked to lie in guest RAM. */
struct virtq_seg {
    uint64_t gpa;
    uint32_t len;
};

/* A popped chain: readable segments first, then writable ones (virtio 1.0 §2.4.4.2: the
 * device-writable part follows the readable one). */
#define VIRTQ_MAX_SEGS (VIRTQ_MAX_SIZE + 1)
struct virtq_elem {
    uint16_t head;
    unsigned n_in, n_out;       /* readable (out of the driver), writable (into the driver) */
    uint64_t in_bytes, out_bytes; /* totals of readable and writable lengths */
    struct virtq_seg seg[VIRTQ_MAX_SEGS]; /* [0, n_out) readable, [n_out, n_out + n_in) writable */
};

struct physmap;

struct virtq {
    struct physmap *pm;
    uint16_t size;       /* entries the device offers (power of two) */
    uint32_t pfn;        /* QUEUE_PFN as written, 0 = not set up */
    uint64_t desc, avail, used; /* guest-physical addresses of the three parts */
    uint16_t last_avail; /* next avail entry to take */
    uint16_t used_idx;   /* our copy of used->idx */
    bool indirect;       /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
};

enum virtq_pop {
    VIRTQ_EMPTY = 0, /* nothing available */
    VIRTQ_GOT = 1,   /* *e holds a chain */
    VIRTQ_BROKEN = -1, /* the guest broke the ring: the device needs a reset */
};

/* The queue at pfn (0 disables it) with size entries in the legacy layout. */
void virtq_setup(struct virtq *q, struct physmap *pm, uint16_t size, uint32_t pfn);
void virtq_reset(struct virtq *q);
static inline bool virtq_ready(const struct virtq *q)
{
    return q->pfn != 0;
}
/* Takes the next available chain; why describes a VIRTQ_BROKEN (a static string). */
enum virtq_pop virtq_pop(struct virtq *q, struct virtq_elem *e, const char **why);
/* Returns a chain to the driver with len bytes written; -EFAULT if the used ring is not RAM. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Whether the driver wants an interrupt now (VRING_AVAIL_F_NO_INTERRUPT clear). */
bool virtq_should_notify(const struct virtq *q);
/* Whether [gpa, gpa + len) is guest RAM a device may read or write (never MMIO or ROM). */
bool virtq_ram_ok(const struct physmap *pm, uint64_t gpa, uint64_t len);
/* Copies between a chain's readable / writable bytes (from byte offset off) and a host buffer;
 * returns bytes copied or -errno. */
long virtq_copy_from(struct physmap *pm, const struct virtq_elem *e, uint64_t off, void *dst, uint64_t len);
long virtq_copy_to(struct physmap *pm, const struct virtq_elem *e, uint64_t off, const void *src, uint64_t len);

/* ---- the legacy PCI transport ------------------------------------------- */

#define VIRTIO_MAX_QUEUES 4

struct virtio_pci;

/* What a device model gives the transport. */
struct virtio_dev_ops {
    /* A notify of queue q (vCPU thread). */
    void (*notify)(void *dev, unsigned q);
    /* Device config bytes [off, off + size) read / written (bounds already checked). */
    uint32_t (*config_read)(void *dev, unsigned off, unsigned size);
    void (*config_write)(void *dev, unsigned off, uint32_t val, unsigned size);
    /* Status written 0 or the board reset: drop every request and return to the initial state;
     * returns only when no I/O of the device is in flight. */
    void (*reset)(void *dev);
};

struct virtio_pci {
    struct pci_func pci;
    struct bus_window *io;    /* where BAR 0 lives */
    int io_range;             /* its range in io */
    uint32_t bar_size;        /* BAR 0 size: pow2ceil(20 + config length) */
    uint32_t host_features, guest_features;
    uint16_t queue_sel;
    uint8_t status, isr;
    unsigned nqueues;
    struct virtq vq[VIRTIO_MAX_QUEUES];
    unsigned config_len;
    struct irq_line irq;      /* INTA, level */
    const struct virtio_dev_ops *ops;
    void *dev;
    struct physmap *pm;
    uint64_t broken_count;    /* times the guest broke a ring */
    unsigned slot;            /* PCI slot, for messages */
};

/* A legacy virtio function: PCI ID 1AF4:device_id, subsystem 1AF4:subsys_id, class code,
 * nqueues queues of queue_size entries, config_len bytes of device config. */
void virtio_pci_init(struct virtio_pci *vp, struct physmap *pm, uint16_t device_id, uint16_t subsys_id,
                     uint32_t class_code, uint32_t host_features, unsigned nqueues, uint16_t queue_size,
                     unsigned config_len, const struct virtio_dev_ops *ops, void *dev);
/* Where BAR 0 goes (the PCI I/O window and a disabled range in it) and the INTA wire. */
void virtio_pci_attach(struct virtio_pci *vp, struct bus_window *io, int io_range, struct irq_line irq);
void virtio_pci_reset(struct virtio_pci *vp);
/* Used buffers were added to a queue: raise the interrupt unless the driver suppressed it. */
void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q);
/* The guest broke a ring: NEEDS_RESET, a config interrupt, no more work until a reset. */
void virtio_pci_broken(struct virtio_pci *vp, const char *why);
/* The device config changed (e.g. the link): a config interrupt. */
void virtio_pci_config_changed(struct virtio_pci *vp);
static inline bool virtio_pci_live(const struct virtio_pci *vp)
{
    return (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}
/* BAR 0's register block; opaque is the struct virtio_pci. */
extern const struct mem_region_ops virtio_pci_io_ops;

/* ---- virtio-blk ---------------------------------------------------------- */

#define VIRTIO_ID_BLOCK 2
#define VIRTIO_PCI_DEVICE_BLK 0x1001

struct blk;
struct virtio_blk;

/* The board's side of a device: a thread-safe request to run virtio_blk_poll soon on the vCPU
 * thread. */
struct virtio_host {
    void (*kick)(void *ctx);
    void *ctx;
    bool synchronous; /* deterministic runs: a notify returns with its requests delivered */
};

/* A virtio-blk function over an open backend (the device owns neither). -errno on failure. */
int virtio_blk_create(struct virtio_blk **out, struct physmap *pm, struct blk *b, const char *serial,
                      const struct virtio_host *host);
void virtio_blk_destroy(struct virtio_blk *d);
struct virtio_pci *virtio_blk_pci(struct virtio_blk *d);
/* Delivers finished requests (vCPU thread): data into guest RAM, status, used ring, interrupt. */
void virtio_blk_poll(struct virtio_blk *d);
/* Requests handed to the I/O thread and not yet delivered. */
unsigned virtio_blk_inflight(const struct virtio_blk *d);

/* ---- virtio-net ---------------------------------------------------------- */

#define VIRTIO_ID_NET 1
#define VIRTIO_PCI_DEVICE_NET 0x1000

struct netdev;
struct virtio_net;

/* What the card counts (read from any thread: relaxed atomics). Drops: frames from the guest
 * shorter than an Ethernet header or longer than NET_FRAME_MAX, or with a header asking for
 * an offload that was not offered; frames for the guest while its driver is not ready, while
 * the queue to the vCPU thread is full, or that do not fit the guest's receive buffer. Not
 * drops: tx_held, times the backend held a frame back (the receiver full); rx_refused, frames
 * offered while the queue was full, left with their sender. */
struct virtio_net_stats {
    _Atomic uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
    _Atomic uint64_t tx_runt, tx_oversize, tx_bad_header, rx_not_ready, rx_queue_full, rx_too_big;
    _Atomic uint64_t tx_held, rx_refused;
    /* TSO: large frames from the guest; large frames given to it whole, and cut into segments
     * for it because it takes none */
    _Atomic uint64_t tx_gso, rx_gso, rx_segmented;
    /* --profile only (virtio_net_set_profiling), host nanoseconds: a frame queued while the
     * queue was empty until the vCPU thread took it (the wake-up of a waiting vCPU); a frame
     * given to the guest until the guest's next transmit, if within VIRTIO_NET_TURN_MAX_NS (the
     * guest's own turnaround: an echo request to its reply). And how many of the bytes copied
     * out of the guest (tx_bytes) and into it (rx_bytes) lay on whole page-aligned guest pages. */
    _Atomic uint64_t wake_n, wake_ns, wake_max_ns, turn_n, turn_ns, turn_max_ns;
    _Atomic uint64_t tx_page_bytes, rx_page_bytes;
    /* of rx_page_bytes: pages that were whole pages of the sender's too, at the same offset in
     * the frame (on a switch): the bytes a remap could have moved */
    _Atomic uint64_t rx_remappable_bytes;
};
#define VIRTIO_NET_TURN_MAX_NS 10000000ull

/* Offloads a card may offer (QEMU's virtio-net properties csum and guest_csum): the guest
 * leaves TCP/UDP checksums to the device, and takes frames whose checksum is not computed yet
 * or already checked. */
#define VIRTIO_NET_OPT_CSUM 1u
#define VIRTIO_NET_OPT_GUEST_CSUM 2u
/* TCP segmentation offload (QEMU's host_tso4/6, guest_tso4/6): the guest sends, and takes,
 * TCP segments of up to 64 KiB. Host TSO needs CSUM and a backend that takes such frames
 * (netdev_takes_gso); guest TSO needs GUEST_CSUM. */
#define VIRTIO_NET_OPT_HOST_TSO4 4u
#define VIRTIO_NET_OPT_HOST_TSO6 8u
#define VIRTIO_NET_OPT_GUEST_TSO4 16u
#define VIRTIO_NET_OPT_GUEST_TSO6 32u
/* Mergeable receive buffers (QEMU's mrg_rxbuf): a frame may span several receive buffers, so
 * the guest posts page-sized ones even when it takes 64 KiB frames. */
#define VIRTIO_NET_OPT_MRG_RXBUF 64u

/* A virtio-net function talking to nd (attached here; the caller destroys nd before the card),
 * offering the offloads in opts. -errno on failure. */
int virtio_net_create(struct virtio_net **out, struct physmap *pm, struct netdev *nd, const uint8_t mac[6],
                      unsigned opts, const struct virtio_host *host);
void virtio_net_destroy(struct virtio_net *n);
struct virtio_pci *virtio_net_pci(struct virtio_net *n);
/* Moves queued frames into the guest's receive buffers and offers a held frame again when it
 * is due (vCPU thread). */
void virtio_net_poll(struct virtio_net *n);
/* The board's clock, for the held frame's retry; without one the card uses host time and
 * relies on being polled. */
void virtio_net_set_clock(struct virtio_net *n, const struct dev_clock *clock);
/* When virtio_net_poll has work of its own (a held frame's retry), DEV_NO_EVENT if none. */
uint64_t virtio_net_next_event_ns(const struct virtio_net *n);
const struct virtio_net_stats *virtio_net_stats(const struct virtio_net *n);
/* Turns on the timing and page counters of struct virtio_net_stats (before the VM runs). */
void virtio_net_set_profiling(struct virtio_net *n, bool on);
/* The link as VIRTIO_NET_F_STATUS reports it; a change raises a config interrupt (vCPU thread).
 * Down, the card sends nothing and receives nothing, like a cable pulled out. */
void virtio_net_set_link(struct virtio_net *n, bool up);
/* From any thread: the same, carried out by the vCPU thread at its next look at the board. */
void virtio_net_request_link(struct virtio_net *n, bool up);
bool virtio_net_link_up(const struct virtio_net *n);

/* ---- virtio-balloon ------------------------------------------------------ */

#define VIRTIO_ID_BALLOON 5
#define VIRTIO_PCI_DEVICE_BALLOON 0x1002
#define VIRTIO_BALLOON_STAT_TAGS 10 /* VIRTIO_BALLOON_S_NR of Linux include/uapi/linux/virtio_balloon.h */

struct virtio_balloon;

/* What the balloon knows and counts (read from any thread: relaxed atomics). Pages are 4 KiB
 * (VIRTIO_BALLOON_PFN_SHIFT). */
struct virtio_balloon_stats {
    _Atomic uint32_t target;       /* num_pages: what the host asks the guest to give up */
    _Atomic uint32_t actual;       /* what the driver says it holds */
    _Atomic uint64_t inflated, deflated; /* PFNs taken from the queues (and given back / allowed back) */
    _Atomic uint64_t reported;     /* pages of free-page reports given back to the host */
    _Atomic uint64_t reported_poison; /* of those, pages now showing the shared poison pattern */
    _Atomic uint64_t reported_kept; /* reported pages left as they were (poison could not be shared) */
    _Atomic uint64_t bad_pfns;     /* PFNs outside guest RAM (MMIO, ROM, nothing) or past the cap */
    _Atomic uint64_t bad_buffers;  /* lengths not a whole number of entries, reports not page-aligned,
                                      buffers of the wrong direction */
    /* the driver's last statistics (by tag VIRTIO_BALLOON_S_*), which tags it sent, and when */
    _Atomic uint64_t guest[VIRTIO_BALLOON_STAT_TAGS];
    _Atomic uint32_t guest_tags;
    _Atomic uint64_t guest_updates;
    _Atomic int64_t last_update;   /* host time in seconds (CLOCK_REALTIME) of the last, 0: none */
};

/* QEMU's properties of virtio-balloon-pci: deflate-on-oom (off), free-page-reporting (on here;
 * off in QEMU), page-poison (on), guest-stats-polling-interval (seconds; 0: stats only when
 * asked for). */
struct virtio_balloon_opts {
    bool deflate_on_oom, free_page_reporting, page_poison;
    unsigned stats_interval_s;
};

/* The board's side: the kick (struct virtio_host), its clock, and a call (vCPU thread) each
 * time the driver has written a new actual. */
struct virtio_balloon_host {
    struct virtio_host io;
    uint64_t (*now_ns)(void *ctx);
    void (*actual_changed)(void *ctx, uint32_t pages);
    void *ctx; /* for now_ns and actual_changed */
};

int virtio_balloon_create(struct virtio_balloon **out, struct physmap *pm, const struct virtio_balloon_opts *opts,
                          const struct virtio_balloon_host *host);
void virtio_balloon_destroy(struct virtio_balloon *b);
struct virtio_pci *virtio_balloon_pci(struct virtio_balloon *b);
/* From any thread: ask the guest to hold pages pages (a config interrupt, from the vCPU thread at
 * its next look at the board), or to send fresh statistics. */
void virtio_balloon_request_target(struct virtio_balloon *b, uint32_t pages);
void virtio_balloon_request_stats(struct virtio_balloon *b);
/* Carries out requests and the statistics' polling interval (vCPU thread). */
void virtio_balloon_poll(struct virtio_balloon *b);
const struct virtio_balloon_stats *virtio_balloon_stats(const struct virtio_balloon *b);

#endif

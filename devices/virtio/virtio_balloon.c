/*
 * virtio-balloon over the legacy PCI transport (PCI 1AF4:1002, subsystem 0005, class 00ff, as
 * QEMU's virtio-balloon-pci with disable-modern=on: QEMU hw/virtio/virtio-pci.c, PCI_CLASS_OTHERS), driven by Linux's virtio_balloon module
 * (drivers/virtio/virtio_balloon.c). The host asks for memory back by raising num_pages in the
 * config; the driver allocates that many 4 KiB pages and sends their PFNs on the inflate queue,
 * and sends PFNs on the deflate queue when it takes pages back. Offered features (Linux
 * include/uapi/linux/virtio_balloon.h): STATS_VQ, REPORTING and PAGE_POISON unless switched
 * off, DEFLATE_ON_OOM only when asked for (QEMU's default: the guest's OOM killer runs before
 * the balloon shrinks, which is what a host that counts on the memory wants).
 *
 * Queues, in the order Linux's virtio_pci numbers them (it counts only the queues whose
 * feature was negotiated, so the index of the reporting queue depends on STATS_VQ): 0 inflate,
 * 1 deflate, then stats, then reporting (FREE_PAGE_HINT, the migration hint, is not offered).
 *
 *  - inflate: each chain's readable bytes are little-endian 32-bit PFNs; every page that is
 *    guest RAM goes back to the machine pool (physmap_discard: the pmap drops it, the software
 *    TLBs are shot down, the translations of the page die, and the next touch gets a zeroed
 *    page). Consecutive PFNs go back as one range.
 *  - deflate: the PFNs are checked and counted; nothing else to do, since a page given back
 *    already comes back zeroed at its next touch (no MUST_TELL_HOST).
 *  - stats: the driver keeps one buffer of {le16 tag, le64 value} records here; the device
 *    reads it and holds it, and hands it back when it wants fresh values (the polling interval
 *    or a request), upon which the driver fills it again and returns it.
 *  - reporting (free-page reporting, Linux mm/page_reporting.c): each chain's writable buffers
 *    are free blocks of guest RAM (4 MiB on this kernel). Without poisoning they go back like
 *    inflated pages. With PAGE_POISON negotiated and a non-zero poison_val (page_poison=1),
 *    Linux expects the pages to still hold the poison it wrote when it freed them, so they are
 *    mapped copy-on-write onto a run of pool pages filled with poison_val (one 4 MiB run per
 *    device, shared by every report), so they cost nothing and read back as poison; if the
 *    pool cannot map more away from home the pages are simply left as they are (still poison).
 *    With init_on_free=1, poison_val is 0 and zeroed pages are what Linux expects.
 *
 * A guest that breaks the rules breaks only itself: a PFN outside guest RAM (MMIO, ROM, past
 * the end) is skipped and counted, as is a list whose length is not a whole number of entries,
 * a report that is not whole pages, or a buffer of the wrong direction; the chain is always
 * returned. A broken ring is NEEDS_RESET (virtqueue.c). At most PFNS_MAX PFNs of one chain are
 * looked at (Linux sends 256), so a guest cannot keep its vCPU thread here for long.
 *
 * Threads: queues, config and guest memory on the vCPU thread only (it runs the guest, so
 * taking a page away from under it is safe; an SMP guest needs the pmap's hand-off for
 * shootdowns first, shadow-mmu/shadow_mmu.h). Requests from other threads (QMP) are atomics
 * picked up by virtio_balloon_poll after a kick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"

/* Feature bits and config (Linux include/uapi/linux/virtio_balloon.h). */
#define F_STATS_VQ 1
#define F_DEFLATE_ON_OOM 2
#define F_PAGE_POISON 4
#define F_REPORTING 5
#define CFG_NUM_PAGES 0
#define CFG_ACTUAL 4
#define CFG_POISON_VAL 12
#define CFG_LEN_POISON 16 /* QEMU hw/virtio/virtio-balloon.c virtio_balloon_config_size */
#define CFG_LEN_PLAIN 8
#define PFN_SHIFT 12
#define STAT_RECORD 10 /* struct virtio_balloon_stat, packed: le16 tag, le64 value */

#define QUEUE_SIZE 128 /* QEMU's; reporting needs at least PAGE_REPORTING_CAPACITY (32) */
#define PFNS_MAX (1u << 18) /* PFNs looked at per chain */
#define STATS_MAX 64        /* stat records looked at per buffer */
#define POISON_PAGES 1024   /* the shared poison run: one 4 MiB report block */

enum role { ROLE_INFLATE, ROLE_DEFLATE, ROLE_STATS, ROLE_REPORTING, ROLE_NONE };

struct virtio_balloon {
    struct virtio_pci vp;
    struct physmap *pm;
    struct virtio_balloon_host host;
    struct virtio_balloon_opts opts;
    uint8_t config[CFG_LEN_POISON];
    struct virtq_elem *elem;     /* scratch for one popped chain */
    struct virtio_balloon_stats st;
    /* the stats buffer the device holds (vCPU thread) */
    bool stats_held;
    uint16_t stats_head;
    uint64_t stats_sent_ns;      /* when it was last handed back */
    /* the poison run (vCPU thread): first page, its pool, the pattern it holds */
    struct machmem *poison_mm;
    mpn_t poison_run;
    uint32_t poison_pattern;
    /* actual as last told to the host, and when (BALLOON_CHANGE is limited to one a second) */
    uint32_t told_actual;
    uint64_t told_ns;
    bool told_once;
    /* requests from other threads: a target (-1: none) and a stats refresh */
    _Atomic int64_t target_req;
    _Atomic bool stats_req;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
    if (n)
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static bool negotiated(const struct virtio_balloon *b, unsigned bit)
{
    return (b->vp.guest_features >> bit) & 1;
}

static uint32_t cfg32(const struct virtio_balloon *b, unsigned off)
{
    uint32_t v;
    memcpy(&v, b->config + off, 4); /* little-endian: legacy balloon config is LE (Linux) */
    return v;
}

/* What queue q is, given the features the driver took (it numbers only the queues it uses). */
static enum role queue_role(const struct virtio_balloon *b, unsigned q)
{
    if (q <= 1)
        return q == 0 ? ROLE_INFLATE : ROLE_DEFLATE;
    unsigned next = 2;
    if (negotiated(b, F_STATS_VQ) && q == next++)
        return ROLE_STATS;
    if (negotiated(b, F_REPORTING) && q == next)
        return ROLE_REPORTING;
    return ROLE_NONE;
}

/* ---- inflate and deflate ------------------------------------------------------------------ */

/* Gives guest-physical pages [pa, pa + n pages) back to the host. */
static void give_back(struct virtio_balloon *b, uint64_t pa, uint64_t n)
{
    if (n)
        physmap_discard(b->pm, pa, n << PFN_SHIFT);
}

static void pfn_list(struct virtio_balloon *b, const struct virtq_elem *e, bool inflate)
{
    if (e->n_in || e->out_bytes % 4)
        count(&b->st.bad_buffers, 1);
    uint64_t n = e->out_bytes / 4;
    if (n > PFNS_MAX) {
        count(&b->st.bad_pfns, n - PFNS_MAX);
        n = PFNS_MAX;
    }
    uint32_t pfn[256];
    uint64_t run_pa = 0, run_n = 0, good = 0;
    for (uint64_t off = 0; off < n;) {
        uint64_t k = n - off < 256 ? n - off : 256;
        if (virtq_copy_from(b->pm, e, off * 4, pfn, k * 4) != (long)(k * 4))
            break; /* cannot happen: the chain was checked to be RAM */
        for (uint64_t i = 0; i < k; i++) {
            uint64_t pa = (uint64_t)pfn[i] << PFN_SHIFT;
            if (!virtq_ram_ok(b->pm, pa, 1u << PFN_SHIFT)) {
                count(&b->st.bad_pfns, 1);
                continue;
            }
            good++;
            if (!inflate)
                continue;
            if (run_n && pa == run_pa + (run_n << PFN_SHIFT) && virtq_ram_ok(b->pm, run_pa, (run_n + 1) << PFN_SHIFT)) {
                run_n++;
                continue;
            }
            give_back(b, run_pa, run_n);
            run_pa = pa;
            run_n = 1;
        }
        off += k;
    }
    give_back(b, run_pa, run_n);
    count(inflate ? &b->st.inflated : &b->st.deflated, good);
}

/* ---- statistics --------------------------------------------------------------------------- */

static void stats_take(struct virtio_balloon *b, const struct virtq_elem *e)
{
    if (e->n_in || e->out_bytes % STAT_RECORD)
        count(&b->st.bad_buffers, 1);
    uint64_t n = e->out_bytes / STAT_RECORD;
    if (n > STATS_MAX)
        n = STATS_MAX;
    uint8_t rec[STATS_MAX * STAT_RECORD];
    if (n && virtq_copy_from(b->pm, e, 0, rec, n * STAT_RECORD) != (long)(n * STAT_RECORD))
        n = 0;
    uint32_t tags = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint16_t tag;
        uint64_t val;
        memcpy(&tag, rec + i * STAT_RECORD, 2);
        memcpy(&val, rec + i * STAT_RECORD + 2, 8);
        if (tag >= VIRTIO_BALLOON_STAT_TAGS)
            continue; /* a newer driver's: not ours to interpret */
        atomic_store_explicit(&b->st.guest[tag], val, memory_order_relaxed);
        tags |= 1u << tag;
    }
    atomic_fetch_or_explicit(&b->st.guest_tags, tags, memory_order_relaxed);
    atomic_store_explicit(&b->st.last_update, (int64_t)time(NULL), memory_order_relaxed);
    count(&b->st.guest_updates, 1);
}

/* Hands the held stats buffer back: the driver answers with fresh values. */
static void stats_give_back(struct virtio_balloon *b)
{
    if (!b->stats_held)
        return;
    b->stats_held = false;
    b->stats_sent_ns = b->host.now_ns ? b->host.now_ns(b->host.ctx) : 0;
    for (unsigned q = 2; q < b->vp.nqueues; q++) {
        if (queue_role(b, q) != ROLE_STATS)
            continue;
        if (virtq_push(&b->vp.vq[q], b->stats_head, 0) < 0)
            virtio_pci_broken(&b->vp, "the stats queue's used ring is no longer writable");
        else
            virtio_pci_queue_done(&b->vp, q);
    }
}

/* ---- free-page reporting ------------------------------------------------------------------- */

/* The run of pool pages holding pattern, made on first use; MPN_NONE if the pool has no room. */
static mpn_t poison_run(struct virtio_balloon *b, struct machmem *mm, uint32_t pattern)
{
    if (b->poison_mm && (b->poison_mm != mm || b->poison_pattern != pattern)) {
        for (uint32_t i = 0; i < POISON_PAGES; i++)
            machmem_put(b->poison_mm, b->poison_run + i); /* pages mapped in the guest keep theirs */
        b->poison_mm = NULL;
    }
    if (!b->poison_mm) {
        mpn_t m = machmem_alloc_run(mm, POISON_PAGES);
        if (m == MPN_NONE)
            return MPN_NONE;
        for (uint32_t i = 0; i < POISON_PAGES; i++) {
            uint32_t *w = (uint32_t *)(void *)machmem_page(mm, m + i);
            for (unsigned k = 0; k < MACH_PAGE_SIZE / 4; k++)
                w[k] = pattern;
        }
        b->poison_mm = mm;
        b->poison_run = m;
        b->poison_pattern = pattern;
    }
    return b->poison_run;
}

/* Pages [pa, pa + n pages) of one RAM region, reported free while poison_val is non-zero: they
 * become copy-on-write views of the poison run. */
static void report_poisoned(struct virtio_balloon *b, uint64_t pa, uint64_t n, uint32_t pattern)
{
    const struct mem_region *r = physmap_find(b->pm, pa);
    mpn_t run = r && r->pmap ? poison_run(b, r->pmap->mm, pattern) : MPN_NONE;
    while (n) {
        uint32_t k = n < POISON_PAGES ? (uint32_t)n : POISON_PAGES;
        if (run == MPN_NONE || physmap_map_cow(b->pm, pa, run, k) < 0) {
            count(&b->st.reported_kept, n);
            return;
        }
        count(&b->st.reported, k);
        count(&b->st.reported_poison, k);
        pa += (uint64_t)k << PFN_SHIFT;
        n -= k;
    }
}

static void report(struct virtio_balloon *b, const struct virtq_elem *e)
{
    if (e->n_out)
        count(&b->st.bad_buffers, 1);
    uint32_t pattern = negotiated(b, F_PAGE_POISON) ? cfg32(b, CFG_POISON_VAL) : 0;
    for (unsigned i = e->n_out; i < e->n_out + e->n_in; i++) {
        const struct virtq_seg *s = &e->seg[i];
        if ((s->gpa | s->len) & ((1u << PFN_SHIFT) - 1) || !virtq_ram_ok(b->pm, s->gpa, s->len)) {
            count(&b->st.bad_buffers, 1);
            continue;
        }
        uint64_t n = s->len >> PFN_SHIFT;
        if (pattern) {
            report_poisoned(b, s->gpa, n, pattern);
        } else {
            give_back(b, s->gpa, n);
            count(&b->st.reported, n);
        }
    }
}

/* ---- the transport's callbacks --------------------------------------------------------------- */

static void balloon_notify(void *dev, unsigned q)
{
    struct virtio_balloon *b = dev;
    struct virtio_pci *vp = &b->vp;
    enum role role = queue_role(b, q);
    if (role == ROLE_NONE)
        return;
    bool returned = false;
    for (;;) {
        const char *why = NULL;
        enum virtq_pop got = virtq_pop(&vp->vq[q], b->elem, &why);
        if (got == VIRTQ_BROKEN) {
            virtio_pci_broken(vp, why);
            break;
        }
        if (got == VIRTQ_EMPTY)
            break;
        const struct virtq_elem *e = b->elem;
        if (role == ROLE_STATS) {
            stats_take(b, e);
            if (b->stats_held) {
                /* a second buffer while one is held: the older one goes back */
                uint16_t head = e->head;
                stats_give_back(b);
                b->stats_head = head;
            } else {
                b->stats_head = e->head;
            }
            b->stats_held = true;
            b->stats_sent_ns = b->host.now_ns ? b->host.now_ns(b->host.ctx) : 0;
            continue;
        }
        if (role == ROLE_REPORTING)
            report(b, e);
        else
            pfn_list(b, e, role == ROLE_INFLATE);
        if (virtq_push(&vp->vq[q], e->head, 0) < 0) {
            virtio_pci_broken(vp, "a balloon queue's used ring is no longer writable");
            break;
        }
        returned = true;
    }
    if (returned)
        virtio_pci_queue_done(vp, q);
}

/* Tells the host a new actual, at most once a second as QEMU does for BALLOON_CHANGE (its
 * monitor's event rate limit): the driver moves 1 MiB per update, so a large change would be
 * hundreds of events. What is held back goes out from virtio_balloon_poll once the second has
 * passed. */
static void tell_actual(struct virtio_balloon *b)
{
    uint32_t actual = atomic_load_explicit(&b->st.actual, memory_order_relaxed);
    if (!b->host.actual_changed || actual == b->told_actual)
        return; /* told_actual starts at 0, what the host assumes of a new device */
    uint64_t now = b->host.now_ns ? b->host.now_ns(b->host.ctx) : 0;
    if (b->told_once && b->host.now_ns && now - b->told_ns < 1000000000u)
        return;
    b->told_once = true;
    b->told_actual = actual;
    b->told_ns = now;
    b->host.actual_changed(b->host.ctx, actual);
}

static uint32_t balloon_config_read(void *dev, unsigned off, unsigned size)
{
    struct virtio_balloon *b = dev;
    uint32_t v = 0;
    memcpy(&v, b->config + off, size);
    return v;
}

static void balloon_config_write(void *dev, unsigned off, uint32_t val, unsigned size)
{
    /* The driver writes actual and poison_val; the legacy transport does it a byte at a time
     * (Linux virtio_pci_legacy.c vp_set), so actual is complete once its last byte is in. */
    struct virtio_balloon *b = dev;
    for (unsigned i = 0; i < size; i++) {
        unsigned at = off + i;
        if ((at >= CFG_ACTUAL && at < CFG_ACTUAL + 4) || (at >= CFG_POISON_VAL && at < CFG_POISON_VAL + 4))
            b->config[at] = (uint8_t)(val >> (8 * i));
    }
    if (off + size == CFG_ACTUAL + 4) {
        atomic_store_explicit(&b->st.actual, cfg32(b, CFG_ACTUAL), memory_order_relaxed);
        tell_actual(b);
    }
}

static void balloon_reset(void *dev)
{
    struct virtio_balloon *b = dev;
    b->stats_held = false;
    memset(b->config + CFG_ACTUAL, 0, 4);
    memset(b->config + CFG_POISON_VAL, 0, 4);
    /* the guest's balloon is gone with its driver: all its memory is its own again */
    atomic_store_explicit(&b->st.actual, 0, memory_order_relaxed);
    tell_actual(b);
}

static const struct virtio_dev_ops balloon_dev_ops = {
    .notify = balloon_notify,
    .config_read = balloon_config_read,
    .config_write = balloon_config_write,
    .reset = balloon_reset,
};

/* ---- the host's side ------------------------------------------------------------------------- */

void virtio_balloon_request_target(struct virtio_balloon *b, uint32_t pages)
{
    atomic_store(&b->target_req, (int64_t)pages);
    if (b->host.io.kick)
        b->host.io.kick(b->host.io.ctx);
}

void virtio_balloon_request_stats(struct virtio_balloon *b)
{
    atomic_store(&b->stats_req, true);
    if (b->host.io.kick)
        b->host.io.kick(b->host.io.ctx);
}

void virtio_balloon_poll(struct virtio_balloon *b)
{
    if (atomic_load_explicit(&b->target_req, memory_order_relaxed) >= 0) {
        int64_t t = atomic_exchange(&b->target_req, -1);
        if (t >= 0 && (uint32_t)t != cfg32(b, CFG_NUM_PAGES)) {
            uint32_t v = (uint32_t)t;
            memcpy(b->config + CFG_NUM_PAGES, &v, 4);
            atomic_store_explicit(&b->st.target, v, memory_order_relaxed);
            virtio_pci_config_changed(&b->vp);
        }
    }
    if (atomic_load_explicit(&b->st.actual, memory_order_relaxed) != b->told_actual)
        tell_actual(b);
    if (!b->stats_held || !virtio_pci_live(&b->vp))
        return;
    bool want = atomic_load_explicit(&b->stats_req, memory_order_relaxed) && atomic_exchange(&b->stats_req, false);
    if (!want && b->opts.stats_interval_s && b->host.now_ns)
        want = b->host.now_ns(b->host.ctx) - b->stats_sent_ns >= (uint64_t)b->opts.stats_interval_s * 1000000000u;
    if (want)
        stats_give_back(b);
}

int virtio_balloon_create(struct virtio_balloon **out, struct physmap *pm, const struct virtio_balloon_opts *opts,
                          const struct virtio_balloon_host *host)
{
    struct virtio_balloon *b = calloc(1, sizeof(*b));
    struct virtq_elem *e = b ? malloc(sizeof(*e)) : NULL;
    if (!e) {
        free(b);
        return -ENOMEM;
    }
    b->elem = e;
    b->pm = pm;
    if (host)
        b->host = *host;
    if (opts)
        b->opts = *opts;
    atomic_init(&b->target_req, -1);
    uint32_t f = 1u << F_STATS_VQ;
    unsigned nq = 3;
    if (b->opts.deflate_on_oom)
        f |= 1u << F_DEFLATE_ON_OOM;
    if (b->opts.page_poison)
        f |= 1u << F_PAGE_POISON;
    if (b->opts.free_page_reporting) {
        f |= 1u << F_REPORTING;
        nq++;
    }
    /* Class 00, subclass ff (lspci: "Unclassified device [00ff]"), as QEMU's. */
    virtio_pci_init(&b->vp, pm, VIRTIO_PCI_DEVICE_BALLOON, VIRTIO_ID_BALLOON, 0x00ff00, f, nq, QUEUE_SIZE,
                    b->opts.page_poison ? CFG_LEN_POISON : CFG_LEN_PLAIN, &balloon_dev_ops, b);
    *out = b;
    return 0;
}

void virtio_balloon_destroy(struct virtio_balloon *b)
{
    if (!b)
        return;
    if (b->poison_mm)
        for (uint32_t i = 0; i < POISON_PAGES; i++)
            machmem_put(b->poison_mm, b->poison_run + i);
    free(b->elem);
    free(b);
}

struct virtio_pci *virtio_balloon_pci(struct virtio_balloon *b)
{
    return &b->vp;
}

const struct virtio_balloon_stats *virtio_balloon_stats(const struct virtio_balloon *b)
{
    return &b->st;
}

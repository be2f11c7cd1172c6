/*
 * Unit tests of virtio-balloon over the legacy PCI transport (devices/virtio/virtio_balloon.c),
 * driven the way Linux's virtio_pci_legacy and virtio_balloon drive it: registers in BAR 0,
 * config written a byte at a time, rings and PFN lists in fake guest RAM (tests/unit/virtio_rig.h).
 *
 * What it must do: inflated pages and reported free pages leave the pmap (the pool gets them
 * back, they read as zero, the software TLB forgets them); deflated pages stay as they are;
 * with PAGE_POISON and a non-zero poison_val, reported pages read back as the poison and cost
 * one shared run (copy-on-write: a store gives the page its own copy and no other page
 * changes), or stay untouched when the pool has no room for the run. The stats buffer is held
 * until the host wants fresh values (a request, or the polling interval on the board's clock).
 * A target from another thread becomes num_pages and a config interrupt; actual reaches the
 * host once it is whole, at most once a second. The reporting queue is numbered after the
 * stats queue only when STATS_VQ was taken.
 *
 * What a guest must not get past: PFNs in MMIO or outside RAM, a list whose length is not whole
 * entries, reports that are not whole pages or that the device would have to read, a buffer in
 * MMIO (NEEDS_RESET, the device window never touched), a runaway available index.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/virtio_rig.h"

#define QSIZE 128
#define NQ 4
#define RING(q) (0x1000u + 0x2000u * (q)) /* two pages each: 0x1000 .. 0x9000 */
#define LIST 0x9000u   /* PFN lists, stats records */
#define LIST2 0xA000u
#define PAGES 0x10000u /* pages given back: 0x10000 .. 0x40000 (pages 16 .. 63) */

#define F_STATS (1u << 1)
#define F_OOM (1u << 2)
#define F_POISON (1u << 4)
#define F_REPORTING (1u << 5)

enum { Q_INFLATE, Q_DEFLATE, Q_STATS, Q_REPORTING };

static struct virtio_balloon *dev;
static struct virtio_pci *vp;
static uint16_t avail_idx[NQ];
static uint64_t clock_ns;
static unsigned changes;
static uint32_t changed_to;

static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}

static void actual_changed(void *ctx, uint32_t pages)
{
    (void)ctx;
    changes++;
    changed_to = pages;
}

static uint32_t rd(unsigned off, unsigned size)
{
    return (uint32_t)virtio_pci_io_ops.read(vp, off, size);
}

static void wr(unsigned off, uint32_t v, unsigned size)
{
    virtio_pci_io_ops.write(vp, off, v, size);
}

/* Config bytes written one at a time, as virtio_pci_legacy's vp_set does. */
static void cfg_write32(unsigned off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        wr(VIRTIO_PCI_CONFIG_OFF + off + i, (v >> (8 * i)) & 0xff, 1);
}

static uint32_t cfg_read32(unsigned off)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++)
        v |= rd(VIRTIO_PCI_CONFIG_OFF + off + i, 1) << (8 * i);
    return v;
}

/* The probe: features (those offered, minus drop), then as many queues as Linux sets up. */
static void driver_setup(uint32_t drop)
{
    wr(VIRTIO_PCI_STATUS, 0, 1);
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    uint32_t f = rd(VIRTIO_PCI_HOST_FEATURES, 4) & ~drop;
    wr(VIRTIO_PCI_GUEST_FEATURES, f, 4);
    unsigned nq = 2 + !!(f & F_STATS) + !!(f & F_REPORTING);
    static const uint8_t zeroes[0x2000];
    for (unsigned q = 0; q < nq; q++) {
        assert_int_equal(physmap_write(&pm, RING(q), zeroes, sizeof(zeroes)), 0);
        wr(VIRTIO_PCI_QUEUE_SEL, q, 2);
        assert_int_equal(rd(VIRTIO_PCI_QUEUE_NUM, 2), QSIZE);
        wr(VIRTIO_PCI_QUEUE_PFN, RING(q) >> 12, 4);
        avail_idx[q] = 0;
    }
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

static struct virtio_balloon_opts dev_opts = {.free_page_reporting = true, .page_poison = true};

static void make_device(void)
{
    clock_ns = 1000000000u;
    changes = 0;
    changed_to = 0;
    struct virtio_balloon_host host = {.io = {.kick = kick}, .now_ns = fake_now, .actual_changed = actual_changed};
    assert_int_equal(virtio_balloon_create(&dev, &pm, &dev_opts, &host), 0);
    vp = virtio_balloon_pci(dev);
    virtio_pci_attach(vp, NULL, -1, (struct irq_line){.set = set_irq});
    driver_setup(0);
}

static int setup(void **state)
{
    (void)state;
    rig_machine_init();
    make_device();
    return 0;
}

/* The rig's machine with a pool large enough for the 4 MiB poison run. */
static int setup_big_pool(void **state)
{
    (void)state;
    rig_machine_init_pool(4096);
    make_device();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    virtio_balloon_destroy(dev);
    rig_machine_fini();
    return 0;
}

/* ---- rings ---- */

static void put_desc(unsigned q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vring_put_desc(&pm, RING(q), i, addr, len, flags, next);
}

static uint16_t used_idx(unsigned q)
{
    return vring_used_idx(&pm, vp->vq[q].used);
}

static void publish(unsigned q, uint16_t head)
{
    vring_publish(&pm, vp->vq[q].avail, vp->vq[q].size, &avail_idx[q], head);
}

/* A PFN list of n entries (len bytes, which may cut the last) on queue q, descriptor 0. */
static void send_pfns(unsigned q, const uint32_t *pfns, unsigned n, uint32_t len)
{
    assert_int_equal(physmap_write(&pm, LIST, pfns, 4ull * n), 0);
    put_desc(q, 0, LIST, len, 0, 0);
    publish(q, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, q, 2);
}

static void fill_page(uint32_t pa, uint8_t v)
{
    uint8_t buf[4096];
    memset(buf, v, sizeof(buf));
    assert_int_equal(physmap_write(&pm, pa, buf, sizeof(buf)), 0);
}

/* Whether every byte of the page at pa is v. */
static bool page_is(uint32_t pa, uint8_t v)
{
    uint8_t buf[4096];
    assert_int_equal(physmap_read(&pm, pa, buf, sizeof(buf)), 0);
    for (unsigned i = 0; i < sizeof(buf); i++)
        if (buf[i] != v)
            return false;
    return true;
}

static bool mapped(uint32_t pa)
{
    return pmap_lookup(&ram, pa >> 12, NULL) != PMAP_NONE;
}

static const struct virtio_balloon_stats *st(void)
{
    return virtio_balloon_stats(dev);
}

/* ---- tests ---- */

static void test_pci_identity(void **state)
{
    (void)state;
    assert_int_equal(pci_get16(&vp->pci, PCI_VENDOR_ID), 0x1af4);
    assert_int_equal(pci_get16(&vp->pci, PCI_DEVICE_ID), 0x1002);
    assert_int_equal(pci_get16(&vp->pci, PCI_SUBSYS_VENDOR + 2), 0x0005);
    assert_int_equal(pci_get32(&vp->pci, 8) >> 8, 0x00ff00); /* class 00, subclass ff */
    assert_int_equal(vp->pci.cfg[PCI_INTERRUPT_PIN], 1);
    assert_int_equal(vp->bar_size, 64); /* 20 + 16 bytes of config, as QEMU's with page-poison */
    assert_int_equal(rd(VIRTIO_PCI_HOST_FEATURES, 4), F_STATS | F_POISON | F_REPORTING);
    assert_int_equal(cfg_read32(0), 0); /* num_pages */
    assert_int_equal(cfg_read32(4), 0); /* actual */
    /* num_pages is the host's: a driver write leaves it. */
    cfg_write32(0, 77);
    assert_int_equal(cfg_read32(0), 0);
}

static void test_inflate_gives_pages_back(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 8; i++)
        fill_page(PAGES + i * 0x1000, (uint8_t)(0x11 * (i + 1)));
    fill_page(LIST, 0); /* the list's own page, touched before counting */
    uint64_t in_use = atomic_load(&mm.in_use);
    uint32_t pfns[5] = {0x10, 0x11, 0x12, 0x15, 0x17}; /* a run of three and two singles */
    send_pfns(Q_INFLATE, pfns, 5, sizeof(pfns));
    assert_int_equal(used_idx(Q_INFLATE), 1);
    assert_int_equal(irq_level, 1);
    assert_int_equal(atomic_load(&mm.in_use), in_use - 5);
    for (unsigned i = 0; i < 8; i++) {
        bool gone = i <= 2 || i == 5 || i == 7;
        assert_int_equal(mapped(PAGES + i * 0x1000), !gone);
        assert_true(page_is(PAGES + i * 0x1000, gone ? 0 : (uint8_t)(0x11 * (i + 1))));
    }
    assert_int_equal(st()->inflated, 5);
    assert_int_equal(st()->bad_pfns, 0);
    assert_int_equal(ram.st.discarded, 5);
    /* Reading them back above touched them: fresh zeroed pages, which the pool pays for again. */
    assert_int_equal(atomic_load(&mm.in_use), in_use);
    fill_page(PAGES, 0x5a);
    assert_true(page_is(PAGES, 0x5a));
}

static void test_inflate_hostile_pfns(void **state)
{
    (void)state;
    fill_page(PAGES, 0x33);
    fill_page(PAGES + 0x1000, 0x44);
    /* MMIO, past RAM, far away, then a good one, and a length that cuts the last entry. */
    uint32_t pfns[6] = {MMIO_BASE >> 12, RAM_SIZE >> 12, 0xFFFFFFFFu, 0x0FFFFFFFu, PAGES >> 12, (PAGES >> 12) + 1};
    send_pfns(Q_INFLATE, pfns, 6, 5 * 4 + 2);
    assert_int_equal(mmio_accesses, 0);
    assert_int_equal(st()->bad_pfns, 4);
    assert_int_equal(st()->bad_buffers, 1);
    assert_int_equal(st()->inflated, 1);
    assert_false(mapped(PAGES));
    assert_true(page_is(PAGES + 0x1000, 0x44)); /* only in the cut-off part */
    assert_int_equal(used_idx(Q_INFLATE), 1);
    assert_false(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    /* A list the device would have to write into: counted, the PFNs still taken. */
    put_desc(Q_INFLATE, 1, LIST, 4, VRING_DESC_F_NEXT, 2);
    put_desc(Q_INFLATE, 2, LIST2, 8, VRING_DESC_F_WRITE, 0);
    uint32_t one = (PAGES >> 12) + 1;
    assert_int_equal(physmap_write(&pm, LIST, &one, 4), 0);
    publish(Q_INFLATE, 1);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, Q_INFLATE, 2);
    assert_int_equal(st()->bad_buffers, 2);
    assert_false(mapped(PAGES + 0x1000));
    assert_int_equal(used_idx(Q_INFLATE), 2);
}

static void test_list_in_mmio(void **state)
{
    (void)state;
    put_desc(Q_INFLATE, 0, MMIO_BASE, 64, 0, 0);
    publish(Q_INFLATE, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, Q_INFLATE, 2);
    assert_int_equal(mmio_accesses, 0);
    assert_true(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(st()->inflated, 0);
    /* A reset brings it back. */
    driver_setup(0);
    fill_page(PAGES, 1);
    uint32_t pfn = PAGES >> 12;
    send_pfns(Q_INFLATE, &pfn, 1, 4);
    assert_false(mapped(PAGES));
}

static void test_runaway_avail_index(void **state)
{
    (void)state;
    uint16_t idx = QSIZE + 3;
    assert_int_equal(physmap_write(&pm, vp->vq[Q_DEFLATE].avail + 2, &idx, 2), 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, Q_DEFLATE, 2);
    assert_true(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_deflate_leaves_pages(void **state)
{
    (void)state;
    fill_page(PAGES, 0x77);
    uint32_t pfns[2] = {PAGES >> 12, MMIO_BASE >> 12};
    send_pfns(Q_DEFLATE, pfns, 2, sizeof(pfns));
    assert_int_equal(used_idx(Q_DEFLATE), 1);
    assert_int_equal(st()->deflated, 1);
    assert_int_equal(st()->bad_pfns, 1);
    assert_true(page_is(PAGES, 0x77));
    assert_int_equal(mmio_accesses, 0);
}

/* A report of the writable buffers {pa[i], len[i]} on queue q. */
static void send_report(unsigned q, const uint32_t *pa, const uint32_t *len, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put_desc(q, i, pa[i], len[i], VRING_DESC_F_WRITE | (i + 1 < n ? VRING_DESC_F_NEXT : 0), (uint16_t)(i + 1));
    publish(q, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, q, 2);
}

static void test_report_gives_pages_back(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 8; i++)
        fill_page(PAGES + i * 0x1000, 0xee);
    uint64_t in_use = atomic_load(&mm.in_use);
    /* Two blocks, then one not page-aligned and one of an odd length (both left alone). */
    uint32_t pa[4] = {PAGES, PAGES + 0x4000, PAGES + 0x6010, PAGES + 0x7000};
    uint32_t len[4] = {0x2000, 0x1000, 0x1000, 0x800};
    send_report(Q_REPORTING, pa, len, 4);
    assert_int_equal(used_idx(Q_REPORTING), 1);
    assert_int_equal(st()->reported, 3);
    assert_int_equal(st()->bad_buffers, 2);
    assert_int_equal(atomic_load(&mm.in_use), in_use - 3);
    static const bool gone[8] = {1, 1, 0, 0, 1, 0, 0, 0};
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(mapped(PAGES + i * 0x1000), !gone[i]);
        assert_true(page_is(PAGES + i * 0x1000, gone[i] ? 0 : 0xee));
    }
    /* A report the device would have to read from is counted and skipped. */
    put_desc(Q_REPORTING, 0, PAGES + 0x2000, 0x1000, 0, 0);
    publish(Q_REPORTING, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, Q_REPORTING, 2);
    assert_int_equal(st()->bad_buffers, 3);
    assert_true(page_is(PAGES + 0x2000, 0xee));
    assert_int_equal(used_idx(Q_REPORTING), 2);
}

/* init_on_free=1: PAGE_POISON taken with poison_val 0, so zeroed pages are right. */
static void test_report_poison_zero(void **state)
{
    (void)state;
    cfg_write32(12, 0);
    fill_page(PAGES, 0);
    uint32_t pa = PAGES, len = 0x1000;
    send_report(Q_REPORTING, &pa, &len, 1);
    assert_false(mapped(PAGES));
    assert_int_equal(st()->reported, 1);
    assert_int_equal(st()->reported_poison, 0);
}

/* page_poison=1 in a pool too small for the shared run: the pages stay (they hold the poison). */
static void test_report_poison_kept(void **state)
{
    (void)state;
    cfg_write32(12, 0xaaaaaaaau);
    assert_int_equal(cfg_read32(12), 0xaaaaaaaau);
    fill_page(PAGES, 0xaa);
    fill_page(PAGES + 0x1000, 0xaa);
    uint32_t pa = PAGES, len = 0x2000;
    send_report(Q_REPORTING, &pa, &len, 1);
    assert_int_equal(st()->reported_kept, 2);
    assert_int_equal(st()->reported, 0);
    assert_true(mapped(PAGES));
    assert_true(page_is(PAGES, 0xaa));
    assert_int_equal(used_idx(Q_REPORTING), 1);
}

/* page_poison=1: reported pages share one run of poison copy-on-write. */
static void test_report_poison_shared(void **state)
{
    (void)state;
    cfg_write32(12, 0xaaaaaaaau);
    for (unsigned i = 0; i < 4; i++)
        fill_page(PAGES + i * 0x1000, 0xaa);
    uint64_t in_use = atomic_load(&mm.in_use);
    uint32_t pa[2] = {PAGES, PAGES + 0x2000}, len[2] = {0x1000, 0x2000};
    send_report(Q_REPORTING, pa, len, 2);
    assert_int_equal(st()->reported, 3);
    assert_int_equal(st()->reported_poison, 3);
    /* The run costs its 1024 pages once; the three pages went back. */
    assert_int_equal(atomic_load(&mm.in_use), in_use + 1024 - 3);
    for (unsigned i = 0; i < 4; i++) {
        bool cow;
        assert_int_not_equal(pmap_lookup(&ram, (PAGES >> 12) + i, &cow), PMAP_NONE);
        assert_int_equal(cow, i != 1);
        assert_true(page_is(PAGES + i * 0x1000, 0xaa));
    }
    /* A store gives the page its own copy; the run and the other pages keep the poison. */
    uint32_t v = 0x12345678;
    assert_int_equal(physmap_write(&pm, PAGES + 0x2000 + 8, &v, 4), 0);
    uint8_t b[16];
    assert_int_equal(physmap_read(&pm, PAGES + 0x2000, b, 16), 0);
    assert_int_equal(b[0], 0xaa);
    assert_memory_equal(b + 8, &v, 4);
    assert_true(page_is(PAGES, 0xaa));
    assert_true(page_is(PAGES + 0x3000, 0xaa));
    /* A second report reuses the run. */
    uint32_t pa2 = PAGES + 0x1000, len2 = 0x1000;
    send_report(Q_REPORTING, &pa2, &len2, 1);
    assert_true(page_is(PAGES + 0x1000, 0xaa));
    assert_int_equal(atomic_load(&mm.in_use), in_use + 1024 - 3 + 1 - 1);
}

static void stats_buffer(uint16_t head, uint64_t free_bytes, bool extra_tag)
{
    uint8_t rec[3 * 10];
    uint16_t tags[3] = {4 /* MEMFREE */, 5 /* MEMTOT */, extra_tag ? 99 : 6};
    uint64_t vals[3] = {free_bytes, 1u << 28, 12345};
    for (unsigned i = 0; i < 3; i++) {
        memcpy(rec + 10 * i, &tags[i], 2);
        memcpy(rec + 10 * i + 2, &vals[i], 8);
    }
    assert_int_equal(physmap_write(&pm, LIST2, rec, sizeof(rec)), 0);
    put_desc(Q_STATS, head, LIST2, sizeof(rec), 0, 0);
    publish(Q_STATS, head);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, Q_STATS, 2);
}

static void test_stats(void **state)
{
    (void)state;
    stats_buffer(0, 1000, false);
    assert_int_equal(st()->guest_updates, 1);
    assert_int_equal(st()->guest[4], 1000);
    assert_int_equal(st()->guest[5], 1u << 28);
    assert_int_equal(st()->guest[6], 12345);
    assert_int_equal(st()->guest_tags, 1u << 4 | 1u << 5 | 1u << 6);
    assert_int_not_equal(st()->last_update, 0);
    /* Held: not returned until the host wants fresh values. */
    assert_int_equal(used_idx(Q_STATS), 0);
    virtio_balloon_poll(dev);
    assert_int_equal(used_idx(Q_STATS), 0);
    virtio_balloon_request_stats(dev);
    virtio_balloon_poll(dev);
    assert_int_equal(used_idx(Q_STATS), 1);
    assert_int_equal(irq_level, 1);
    /* The driver refills it; an unknown tag is ignored. */
    stats_buffer(0, 2000, true);
    assert_int_equal(st()->guest[4], 2000);
    assert_int_equal(st()->guest[6], 12345);
    assert_int_equal(st()->guest_updates, 2);
    /* A second buffer while one is held: the older one goes back. */
    stats_buffer(1, 3000, false);
    assert_int_equal(used_idx(Q_STATS), 2);
    assert_int_equal(st()->guest[4], 3000);
    /* A reset forgets the held buffer. */
    driver_setup(0);
    virtio_balloon_request_stats(dev);
    virtio_balloon_poll(dev);
    assert_int_equal(used_idx(Q_STATS), 0);
}

static int setup_interval(void **state)
{
    dev_opts.stats_interval_s = 2;
    int rc = setup(state);
    dev_opts.stats_interval_s = 0;
    return rc;
}

static void test_stats_interval(void **state)
{
    (void)state;
    stats_buffer(0, 1, false);
    clock_ns += 1999999999u;
    virtio_balloon_poll(dev);
    assert_int_equal(used_idx(Q_STATS), 0);
    clock_ns += 1;
    virtio_balloon_poll(dev);
    assert_int_equal(used_idx(Q_STATS), 1);
}

static void *set_targets(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= 1000; i++) {
        virtio_balloon_request_target(dev, i);
        if (i % 100 == 0)
            virtio_balloon_request_stats(dev);
        (void)atomic_load(&virtio_balloon_stats(dev)->actual);
    }
    return NULL;
}

static void test_target_and_actual(void **state)
{
    (void)state;
    unsigned k0 = atomic_load(&kicks);
    /* From another thread while this one polls, as QMP and the vCPU thread do. */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, set_targets, NULL), 0);
    for (unsigned i = 0; i < 2000; i++)
        virtio_balloon_poll(dev);
    assert_int_equal(pthread_join(t, NULL), 0);
    virtio_balloon_poll(dev);
    assert_true(atomic_load(&kicks) >= k0 + 1000);
    assert_int_equal(cfg_read32(0), 1000);
    assert_int_equal(st()->target, 1000);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1) & VIRTIO_PCI_ISR_CONFIG, VIRTIO_PCI_ISR_CONFIG);
    /* actual reaches the host once its last byte is in. */
    cfg_write32(4, 0x00010203);
    assert_int_equal(changes, 1);
    assert_int_equal(changed_to, 0x00010203);
    assert_int_equal(st()->actual, 0x00010203);
    /* Within the second: held back, then told by the poll once it has passed. */
    cfg_write32(4, 256);
    assert_int_equal(changes, 1);
    virtio_balloon_poll(dev);
    assert_int_equal(changes, 1);
    clock_ns += 1000000000u;
    virtio_balloon_poll(dev);
    assert_int_equal(changes, 2);
    assert_int_equal(changed_to, 256);
    virtio_balloon_poll(dev);
    assert_int_equal(changes, 2);
    /* The same target again changes nothing; a reset gives the guest its memory back. */
    virtio_balloon_request_target(dev, 1000);
    virtio_balloon_poll(dev);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), 0);
    clock_ns += 1000000000u;
    driver_setup(0);
    assert_int_equal(changes, 3);
    assert_int_equal(changed_to, 0);
    assert_int_equal(cfg_read32(0), 1000); /* the target stays the host's */
}

static int setup_no_stats(void **state)
{
    (void)state;
    rig_machine_init();
    make_device();
    driver_setup(F_STATS);
    return 0;
}

/* Without STATS_VQ, Linux numbers the reporting queue 2 (virtio_pci counts only used queues). */
static void test_reporting_queue_without_stats(void **state)
{
    (void)state;
    fill_page(PAGES, 9);
    uint32_t pa = PAGES, len = 0x1000;
    send_report(2, &pa, &len, 1);
    assert_false(mapped(PAGES));
    assert_int_equal(st()->reported, 1);
    assert_int_equal(st()->guest_updates, 0);
}

static int setup_options(void **state)
{
    dev_opts = (struct virtio_balloon_opts){.deflate_on_oom = true};
    int rc = setup(state);
    dev_opts = (struct virtio_balloon_opts){.free_page_reporting = true, .page_poison = true};
    return rc;
}

static void test_options(void **state)
{
    (void)state;
    /* No reporting, no poison: three queues and QEMU's 8-byte config. */
    assert_int_equal(rd(VIRTIO_PCI_HOST_FEATURES, 4), F_STATS | F_OOM);
    assert_int_equal(vp->nqueues, 3);
    assert_int_equal(vp->bar_size, 32);
    assert_int_equal(rd(VIRTIO_PCI_CONFIG_OFF + 8, 1), 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pci_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inflate_gives_pages_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inflate_hostile_pfns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_in_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runaway_avail_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deflate_leaves_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_gives_pages_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_poison_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_poison_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_poison_shared, setup_big_pool, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_interval, setup_interval, teardown),
        cmocka_unit_test_setup_teardown(test_target_and_actual, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reporting_queue_without_stats, setup_no_stats, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup_options, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

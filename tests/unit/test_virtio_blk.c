/*
 * Unit tests of virtio-blk over the legacy PCI transport (devices/virtio/virtio_blk.c,
 * virtio_pci.c), driven the way Linux's virtio_pci_legacy + virtio_blk drive it: registers in
 * BAR 0, a ring in fake guest RAM, requests completed by the device's I/O thread and delivered
 * by virtio_blk_poll. The disk is a test double in memory that records every call.
 *
 * What a guest must not get past: a request past the end of the disk or with a sector number
 * that overflows (IOERR, backend untouched), a write / discard to a read-only drive (IOERR or
 * UNSUPP, backend untouched), a data length that is not whole sectors, a short header (IOERR),
 * an unknown type (UNSUPP), a request without a status byte or a buffer in a device's
 * registers (NEEDS_RESET and a config interrupt, nothing more done until a reset). Also: the
 * PCI identity QEMU shows, BAR 0's size, the level INTA and ISR's read-to-clear, flush and
 * cache=unsafe (passed on to the block layer), GET_ID, discard and write-zeroes reaching the backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "devices/block/block.h"
#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/virtio_rig.h"

#define DISK_SECTORS 128
#define RING 0x1000u   /* queue PFN 1 */
#define HDR 0x20000u   /* request header */
#define DATA 0x21000u  /* data buffer */
#define STATUS 0x30000u


/* ---- the test double disk ---- */

static uint8_t disk[DISK_SECTORS * 512];
static struct {
    unsigned reads, writes, flushes, discards, zeroes;
    uint64_t last_off, last_len;
    bool last_unmap;
} calls;

static int dd_read(struct blk *b, uint64_t off, void *buf, size_t len)
{
    (void)b;
    calls.reads++;
    if (off > sizeof(disk) || len > sizeof(disk) - off)
        return -EIO; /* the device should never ask */
    memcpy(buf, disk + off, len);
    return 0;
}

static bool write_fails; /* the host disk fails every write */

static int dd_write(struct blk *b, uint64_t off, const void *buf, size_t len)
{
    (void)b;
    calls.writes++;
    if (write_fails || off > sizeof(disk) || len > sizeof(disk) - off)
        return -EIO;
    memcpy(disk + off, buf, len);
    return 0;
}

static int dd_flush(struct blk *b)
{
    (void)b;
    calls.flushes++;
    return 0;
}

static int dd_discard(struct blk *b, uint64_t off, uint64_t len)
{
    (void)b;
    calls.discards++;
    calls.last_off = off;
    calls.last_len = len;
    return 0;
}

static int dd_zeroes(struct blk *b, uint64_t off, uint64_t len, bool unmap)
{
    (void)b;
    calls.zeroes++;
    calls.last_off = off;
    calls.last_len = len;
    calls.last_unmap = unmap;
    memset(disk + off, 0, len);
    return 0;
}

static const struct blk_ops dd_ops = {
    .read = dd_read, .write = dd_write, .flush = dd_flush, .discard = dd_discard, .write_zeroes = dd_zeroes,
};

static struct blk dd;

/* ---- the machine around the device ---- */


static struct virtio_blk *dev;
static struct virtio_pci *vp;
static uint16_t avail_idx;

static uint32_t rd(unsigned off, unsigned size)
{
    return (uint32_t)virtio_pci_io_ops.read(vp, off, size);
}

static void wr(unsigned off, uint32_t v, unsigned size)
{
    virtio_pci_io_ops.write(vp, off, v, size);
}

/* What virtio_pci_legacy's probe and virtio_blk's probe do, in order. */
static void driver_setup(void)
{
    wr(VIRTIO_PCI_STATUS, 0, 1);
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(VIRTIO_PCI_GUEST_FEATURES, rd(VIRTIO_PCI_HOST_FEATURES, 4), 4);
    wr(VIRTIO_PCI_QUEUE_SEL, 0, 2);
    assert_int_equal(rd(VIRTIO_PCI_QUEUE_NUM, 2), 128);
    assert_int_equal(rd(VIRTIO_PCI_QUEUE_PFN, 4), 0);
    wr(VIRTIO_PCI_QUEUE_PFN, RING >> 12, 4);
    wr(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
    avail_idx = 0;
}

static void make_device_mode(bool readonly, enum blk_cache cache, bool synchronous)
{
    dd = (struct blk){.ops = &dd_ops, .size = sizeof(disk), .readonly = readonly, .cache = cache};
    struct virtio_host host = {.kick = kick, .synchronous = synchronous};
    assert_int_equal(virtio_blk_create(&dev, &pm, &dd, "serial-1234", &host), 0);
    vp = virtio_blk_pci(dev);
    virtio_pci_attach(vp, NULL, -1, (struct irq_line){.set = set_irq});
    driver_setup();
}

static void make_device(bool readonly, enum blk_cache cache)
{
    make_device_mode(readonly, cache, false);
}

/* The physmap's write hook (the translator's code invalidation): what DMA wrote. */
static uint64_t hooked_lo, hooked_hi;
static void write_hook(void *opaque, gpa_t pa, uint64_t len)
{
    (void)opaque;
    if (pa >= DATA && pa < DATA + 0x2000) {
        if (pa < hooked_lo)
            hooked_lo = pa;
        if (pa + len > hooked_hi)
            hooked_hi = pa + len;
    }
}

static int setup(void **state)
{
    (void)state;
    rig_machine_init();
    pm.write_hook = write_hook;
    hooked_lo = UINT64_MAX;
    hooked_hi = 0;
    memset(&calls, 0, sizeof(calls));
    write_fails = false;
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)(i * 7 + (i >> 9));
    make_device(false, BLK_CACHE_WRITEBACK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    virtio_blk_destroy(dev);
    rig_machine_fini();
    return 0;
}

/* ---- requests ---- */

static void put_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vring_put_desc(&pm, RING, i, addr, len, flags, next);
}

static void put_header(uint32_t type, uint64_t sector)
{
    uint8_t h[16] = {0};
    memcpy(h, &type, 4);
    memcpy(h + 8, &sector, 8);
    assert_int_equal(physmap_write(&pm, HDR, h, 16), 0);
}

static uint16_t used_idx(void)
{
    return vring_used_idx(&pm, vp->vq[0].used);
}

/* Publishes head 0, notifies, and waits until the used index moves (or 5 s). */
static void submit_and_wait(void)
{
    uint16_t before = used_idx();
    vring_publish(&pm, vp->vq[0].avail, vp->vq[0].size, &avail_idx, 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    for (int i = 0; i < 5000 && used_idx() == before; i++) {
        virtio_blk_poll(dev);
        if (used_idx() != before)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* A request with data of len bytes (writable for reads): header, data, status. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool data_writable)
{
    uint8_t st = 0xEE;
    assert_int_equal(physmap_write(&pm, STATUS, &st, 1), 0);
    put_header(type, sector);
    if (len) {
        put_desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
        put_desc(1, DATA, len, VRING_DESC_F_NEXT | (data_writable ? VRING_DESC_F_WRITE : 0), 2);
        put_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    } else {
        put_desc(0, HDR, 16, VRING_DESC_F_NEXT, 2);
        put_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    }
    submit_and_wait();
    assert_int_equal(physmap_read(&pm, STATUS, &st, 1), 0);
    return st;
}

static void test_pci_identity(void **state)
{
    (void)state;
    const struct pci_func *f = &vp->pci;
    assert_int_equal(pci_get16(f, PCI_VENDOR_ID), 0x1AF4);
    assert_int_equal(pci_get16(f, PCI_DEVICE_ID), 0x1001);
    assert_int_equal(pci_get16(f, PCI_SUBSYS_VENDOR), 0x1AF4);
    assert_int_equal(pci_get16(f, PCI_SUBSYS_VENDOR + 2), 0x0002);
    assert_int_equal(pci_get32(f, PCI_REVISION) >> 8, 0x010000);
    assert_int_equal(f->cfg[PCI_REVISION], 0);
    assert_int_equal(f->cfg[PCI_INTERRUPT_PIN], 1);
    /* BAR sizing as Linux does it: all-ones in, the size mask out (128 bytes of I/O, as QEMU's). */
    struct pci_bus bus = {0};
    pci_bus_plug(&bus, 0x12 << 3, &vp->pci);
    uint32_t v;
    assert_true(pci_cfg_write(&bus, 0x12 << 3, PCI_BAR0, 0xFFFFFFFFu, 4));
    assert_true(pci_cfg_read(&bus, 0x12 << 3, PCI_BAR0, 4, &v));
    assert_int_equal(v, 0xFFFFFF81u);
    /* Capacity in the config, byte by byte as vp_get reads it. */
    uint64_t cap = 0;
    for (unsigned i = 0; i < 8; i++)
        cap |= (uint64_t)rd(VIRTIO_PCI_CONFIG_OFF + i, 1) << (8 * i);
    assert_int_equal(cap, DISK_SECTORS);
}

static void test_read(void **state)
{
    (void)state;
    unsigned k0 = atomic_load(&kicks);
    assert_int_equal(request(0, 2, 1024, true), 0);
    uint8_t buf[1024];
    assert_int_equal(physmap_read(&pm, DATA, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, disk + 1024, sizeof(buf));
    uint32_t used[2];
    assert_int_equal(physmap_read(&pm, vp->vq[0].used + 4, used, 8), 0);
    assert_int_equal(used[0], 0);
    assert_int_equal(used[1], 1025);
    assert_true(atomic_load(&kicks) > k0); /* completed by the I/O thread */
    /* The data went in through the write hook, so translations of those bytes die. */
    assert_int_equal(hooked_lo, DATA);
    assert_int_equal(hooked_hi, DATA + 1024);
    /* INTA is a level until ISR is read. */
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), 0);
}

/* A read into guest pages that share a machine page copy-on-write (page sharing, the buffer
 * cache): the transfer lands in private copies, the shared page keeps its bytes, and when the
 * request is over its pages are no longer pinned (the pmap may move them again). */
static void test_read_into_shared_pages(void **state)
{
    (void)state;
    mpn_t m = machmem_alloc(&mm);
    assert_int_not_equal(m, MPN_NONE);
    memset(machmem_page(&mm, m), 0x77, MACH_PAGE_SIZE);
    uint32_t g = DATA >> MACH_PAGE_BITS;
    assert_int_equal(pmap_map_cow(&ram, g, m), 0);
    assert_int_equal(pmap_map_cow(&ram, g + 1, m), 0);
    assert_int_equal(request(0, 8, 2 * MACH_PAGE_SIZE, true), 0);
    uint8_t buf[2 * MACH_PAGE_SIZE];
    assert_int_equal(physmap_read(&pm, DATA, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, disk + 8 * 512, sizeof(buf));
    for (unsigned i = 0; i < MACH_PAGE_SIZE; i++)
        assert_int_equal(machmem_page(&mm, m)[i], 0x77);
    bool cow = true;
    assert_int_not_equal(pmap_lookup(&ram, g, &cow), m);
    assert_false(cow);
    assert_int_equal(hooked_lo, DATA);
    assert_int_equal(hooked_hi, DATA + 2 * MACH_PAGE_SIZE);
    assert_int_equal(pmap_move(&ram, g), 0);
    assert_int_equal(pmap_move(&ram, g + 1), 0);
    machmem_put(&mm, m);
}

static void test_write(void **state)
{
    (void)state;
    uint8_t buf[512];
    memset(buf, 0xC3, sizeof(buf));
    assert_int_equal(physmap_write(&pm, DATA, buf, sizeof(buf)), 0);
    assert_int_equal(request(1, 5, 512, false), 0);
    /* The device has a write-back cache: done for the guest, which may reuse its buffer at once;
     * on the disk once a FLUSH is done. */
    uint8_t other[512];
    memset(other, 0x5A, sizeof(other));
    assert_int_equal(physmap_write(&pm, DATA, other, sizeof(other)), 0);
    assert_int_equal(request(4, 0, 0, false), 0);
    assert_memory_equal(disk + 5 * 512, buf, sizeof(buf));
    assert_int_equal(calls.writes, 1);
    assert_int_equal(calls.flushes, 1);
}

/* A write the cache could not write to the host: the next FLUSH fails (the guest's fsync sees
 * it), once; the one after succeeds. */
static void test_write_back_error(void **state)
{
    (void)state;
    write_fails = true;
    assert_int_equal(request(1, 5, 512, false), 0);
    assert_int_equal(request(4, 0, 0, false), 1);
    write_fails = false;
    assert_int_equal(request(4, 0, 0, false), 0);
    assert_int_equal(calls.writes, 1);
    assert_int_equal(calls.flushes, 2);
}

/* A read right after a write of the same sector, no FLUSH between: the written bytes. */
static void test_read_after_write(void **state)
{
    (void)state;
    uint8_t buf[512], got[512];
    memset(buf, 0x77, sizeof(buf));
    assert_int_equal(physmap_write(&pm, DATA, buf, sizeof(buf)), 0);
    assert_int_equal(request(1, 9, 512, false), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(physmap_write(&pm, DATA, got, sizeof(got)), 0);
    assert_int_equal(request(0, 9, 512, true), 0);
    assert_int_equal(physmap_read(&pm, DATA, got, sizeof(got)), 0);
    assert_memory_equal(got, buf, sizeof(buf));
}

static void test_past_end(void **state)
{
    (void)state;
    assert_int_equal(request(0, DISK_SECTORS - 1, 1024, true), 1);
    assert_int_equal(request(1, DISK_SECTORS, 512, false), 1);
    /* sector * 512 overflows 64 bits */
    assert_int_equal(request(0, 1ull << 56, 512, true), 1);
    assert_int_equal(request(1, UINT64_MAX, 512, false), 1);
    assert_int_equal(calls.reads + calls.writes, 0);
    /* The last sector itself is fine. */
    assert_int_equal(request(0, DISK_SECTORS - 1, 512, true), 0);
}

static void test_partial_sector(void **state)
{
    (void)state;
    assert_int_equal(request(0, 0, 100, true), 1);
    assert_int_equal(request(1, 0, 513, false), 1);
    assert_int_equal(calls.reads + calls.writes, 0);
}

static void test_readonly(void **state)
{
    (void)state;
    virtio_blk_destroy(dev);
    make_device(true, BLK_CACHE_WRITEBACK);
    assert_true(rd(VIRTIO_PCI_HOST_FEATURES, 4) & (1u << 5)); /* VIRTIO_BLK_F_RO */
    uint8_t before[sizeof(disk)];
    memcpy(before, disk, sizeof(disk));
    assert_int_equal(request(1, 0, 512, false), 1);
    /* discard is not offered on a read-only drive */
    assert_int_equal(request(11, 0, 16, false), 2);
    assert_int_equal(request(13, 0, 16, false), 2);
    assert_int_equal(calls.writes + calls.discards + calls.zeroes, 0);
    assert_memory_equal(disk, before, sizeof(disk));
    assert_int_equal(request(0, 0, 512, true), 0);
}

static void test_flush(void **state)
{
    (void)state;
    assert_int_equal(request(4, 0, 0, false), 0);
    assert_int_equal(calls.flushes, 1);
    virtio_blk_destroy(dev);
    make_device(false, BLK_CACHE_UNSAFE);
    assert_int_equal(request(4, 0, 0, false), 0);
    /* cache=unsafe: the device still hands the FLUSH to devices/block, which counts it and
     * makes no host flush (test_block_raw checks that part) */
    assert_int_equal(calls.flushes, 2);
}

static void test_get_id(void **state)
{
    (void)state;
    assert_int_equal(request(8, 0, 20, true), 0);
    char id[21] = {0};
    assert_int_equal(physmap_read(&pm, DATA, id, 20), 0);
    assert_string_equal(id, "serial-1234");
}

static void test_unknown_type(void **state)
{
    (void)state;
    assert_int_equal(request(99, 0, 512, true), 2);
}

static void put_dwz(uint64_t sector, uint32_t n, uint32_t flags)
{
    uint8_t seg[16];
    memcpy(seg, &sector, 8);
    memcpy(seg + 8, &n, 4);
    memcpy(seg + 12, &flags, 4);
    assert_int_equal(physmap_write(&pm, DATA, seg, 16), 0);
}

static void test_discard_write_zeroes(void **state)
{
    (void)state;
    uint32_t f = rd(VIRTIO_PCI_HOST_FEATURES, 4);
    assert_true(f & (1u << 13));
    assert_true(f & (1u << 14));
    put_dwz(8, 16, 0);
    assert_int_equal(request(11, 0, 16, false), 0);
    assert_int_equal(calls.discards, 1);
    assert_int_equal(calls.last_off, 8 * 512);
    assert_int_equal(calls.last_len, 16 * 512);
    put_dwz(4, 2, 1);
    assert_int_equal(request(13, 0, 16, false), 0);
    assert_int_equal(calls.zeroes, 1);
    assert_true(calls.last_unmap);
    for (unsigned i = 4 * 512; i < 6 * 512; i++)
        assert_int_equal(disk[i], 0);
    /* past the end, unknown flags, unmap on a discard: refused, backend untouched */
    put_dwz(DISK_SECTORS - 1, 2, 0);
    assert_int_equal(request(11, 0, 16, false), 1);
    put_dwz(0, 1, 2);
    assert_int_equal(request(13, 0, 16, false), 2);
    put_dwz(0, 1, 1);
    assert_int_equal(request(11, 0, 16, false), 2);
    assert_int_equal(calls.discards, 1);
    assert_int_equal(calls.zeroes, 1);
}

static void test_short_header(void **state)
{
    (void)state;
    uint8_t st = 0xEE;
    assert_int_equal(physmap_write(&pm, STATUS, &st, 1), 0);
    put_desc(0, HDR, 8, VRING_DESC_F_NEXT, 2);
    put_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    submit_and_wait();
    assert_int_equal(physmap_read(&pm, STATUS, &st, 1), 0);
    assert_int_equal(st, 1);
}

static void expect_needs_reset(void)
{
    assert_true(rd(VIRTIO_PCI_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
    /* A good request now is ignored: the device waits for its reset. */
    uint16_t before = used_idx();
    assert_int_equal(request(0, 0, 512, true), 0xEE);
    assert_int_equal(used_idx(), before);
    /* After a reset and a new setup it works again. */
    driver_setup();
    assert_false(rd(VIRTIO_PCI_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(request(0, 0, 512, true), 0);
}

static void test_no_status_byte(void **state)
{
    (void)state;
    put_header(0, 0);
    put_desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, DATA, 512, 0, 0);
    submit_and_wait();
    assert_int_equal(calls.reads, 0);
    expect_needs_reset();
}

static void test_buffer_in_mmio(void **state)
{
    (void)state;
    put_header(0, 0);
    put_desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, MMIO_BASE, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
    put_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    submit_and_wait();
    assert_int_equal(calls.reads, 0);
    assert_int_equal(mmio_accesses, 0);
    expect_needs_reset();
    assert_int_equal(mmio_accesses, 0);
}

static void test_many_in_flight(void **state)
{
    (void)state;
    /* 42 reads at once (heads 0..123, three descriptors each): every one completes, in any order the device likes. */
    uint64_t avail = vp->vq[0].avail;
    for (uint16_t r = 0; r < 42; r++) {
        uint16_t h = (uint16_t)(r * 3);
        uint64_t hdr = HDR + 16ull * r, data = DATA + 512ull * r, st = STATUS + r;
        uint8_t hb[16] = {0};
        uint64_t sector = r;
        memcpy(hb + 8, &sector, 8);
        assert_int_equal(physmap_write(&pm, hdr, hb, 16), 0);
        put_desc(h, hdr, 16, VRING_DESC_F_NEXT, h + 1);
        put_desc(h + 1, data, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, h + 2);
        put_desc(h + 2, st, 1, VRING_DESC_F_WRITE, 0);
        assert_int_equal(physmap_write(&pm, avail + 4 + 2ull * ((avail_idx + r) % 128), &h, 2), 0);
    }
    avail_idx += 42;
    assert_int_equal(physmap_write(&pm, avail + 2, &avail_idx, 2), 0);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    for (int i = 0; i < 5000 && used_idx() != 42; i++) {
        virtio_blk_poll(dev);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(used_idx(), 42);
    for (unsigned r = 0; r < 42; r++) {
        uint8_t buf[512], st;
        assert_int_equal(physmap_read(&pm, DATA + 512ull * r, buf, 512), 0);
        assert_memory_equal(buf, disk + 512 * r, 512);
        assert_int_equal(physmap_read(&pm, STATUS + r, &st, 1), 0);
        assert_int_equal(st, 0);
    }
    assert_int_equal(virtio_blk_inflight(dev), 0);
}

static void test_synchronous(void **state)
{
    (void)state;
    /* Deterministic runs: the request is delivered when the notify returns, no poll needed. */
    virtio_blk_destroy(dev);
    make_device_mode(false, BLK_CACHE_WRITEBACK, true);
    put_header(0, 3);
    put_desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, DATA, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
    put_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    uint64_t avail = vp->vq[0].avail;
    uint16_t head = 0;
    assert_int_equal(physmap_write(&pm, avail + 4, &head, 2), 0);
    avail_idx = 1;
    assert_int_equal(physmap_write(&pm, avail + 2, &avail_idx, 2), 0);
    unsigned k0 = atomic_load(&kicks);
    wr(VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(used_idx(), 1);
    assert_int_equal(irq_level, 1);
    assert_int_equal(atomic_load(&kicks), k0); /* nothing asynchronous reaches the vCPU */
    uint8_t buf[512];
    assert_int_equal(physmap_read(&pm, DATA, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, disk + 3 * 512, sizeof(buf));
}

/* Deterministic runs complete a write when it is on the backend (no write-back cache). */
static void test_synchronous_write(void **state)
{
    (void)state;
    virtio_blk_destroy(dev);
    make_device_mode(false, BLK_CACHE_WRITEBACK, true);
    write_fails = true;
    assert_int_equal(request(1, 5, 512, false), 1);
    write_fails = false;
    uint8_t buf[512];
    memset(buf, 0x3C, sizeof(buf));
    assert_int_equal(physmap_write(&pm, DATA, buf, sizeof(buf)), 0);
    assert_int_equal(request(1, 6, 512, false), 0);
    assert_memory_equal(disk + 6 * 512, buf, sizeof(buf));
}

/* cache=writethrough and directsync (QEMU's cache.writeback=off): no FLUSH offered, so the guest
 * sees a write-through disk, and a write, discard or write-zeroes is flushed before it completes;
 * a write the backend refuses fails itself, not a later FLUSH. */
static void test_writethrough(void **state)
{
    (void)state;
    assert_true(rd(VIRTIO_PCI_HOST_FEATURES, 4) & (1u << 9)); /* writeback: VIRTIO_BLK_F_FLUSH */
    static const enum blk_cache modes[] = {BLK_CACHE_WRITETHROUGH, BLK_CACHE_DIRECTSYNC};
    for (unsigned i = 0; i < 2; i++) {
        virtio_blk_destroy(dev);
        memset(&calls, 0, sizeof(calls));
        make_device(false, modes[i]);
        assert_false(rd(VIRTIO_PCI_HOST_FEATURES, 4) & (1u << 9));
        write_fails = true;
        assert_int_equal(request(1, 5, 512, false), 1);
        write_fails = false;
        assert_int_equal(calls.flushes, 0);
        uint8_t buf[512];
        memset(buf, 0x4B + i, sizeof(buf));
        assert_int_equal(physmap_write(&pm, DATA, buf, sizeof(buf)), 0);
        assert_int_equal(request(1, 7, 512, false), 0);
        assert_int_equal(calls.writes, 2);
        assert_int_equal(calls.flushes, 1);
        assert_memory_equal(disk + 7 * 512, buf, sizeof(buf));
        put_dwz(8, 16, 0);
        assert_int_equal(request(11, 0, 16, false), 0);
        assert_int_equal(calls.discards, 1);
        assert_int_equal(calls.flushes, 2);
        assert_int_equal(request(0, 7, 512, true), 0);
        assert_int_equal(calls.flushes, 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pci_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_into_shared_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_back_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_after_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_past_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_sector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard_write_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_status_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_in_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synchronous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synchronous_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writethrough, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the global buffer cache (shadow-mmu/bufcache.c) as virtio-blk uses it
 * (devices/virtio/virtio_blk.c): two VMs in one machine-memory pool, each with its own qcow2
 * overlay over one raw base file (or the base itself, read-only), read base pages through their
 * virtio-blk devices driven as Linux drives them.
 *
 * What must hold: a whole, page-aligned base page read into a page-aligned guest buffer is the
 * same machine page in both VMs' pmaps, mapped copy-on-write, and the host file was read once;
 * a guest store or a DMA write into it gives that VM its own copy while the other VM and the
 * cache keep the base bytes; mapping shoots down the VM's software-TLB entries of the page and
 * passes the write hook (translations die); reads that do not line up are copied; the top
 * image's own data, a writable raw image, a base only one drive reads and a cache switched off
 * are never shared; the cache stays within its bound, and mappings within the host's mapping
 * count; a buffer read into again and again is copied; the counters say what happened.
 */
#include "tests/unit/block_test_util.h"

#include <stdatomic.h>
#include <time.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/bufcache.h"
#include "shadow-mmu/shadow_mmu.h"

#define RAM_SIZE (1u << 20)
#define MMIO_BASE 0x200000u
#define RING 0x1000u   /* queue PFN 1 */
#define HDR 0x20000u
#define STATUS 0x30000u
#define DATA 0x40000u  /* page-aligned data buffers from here */
#define BASE_PAGES 64
#define GVA_DATA (0x80000000u + DATA) /* where a guest kernel sees DATA (kseg0) */

struct tvm {
    struct pmap ram;
    struct physmap pm;
    struct blk *b;
    struct virtio_blk *dev;
    struct virtio_pci *vp;
    struct stlb *stlb;
    uint16_t avail_idx;
    uint64_t hook_lo, hook_hi; /* what the write hook was told about [DATA, DATA + 64 KiB) */
};

static struct machmem mm;
static struct tvm vms[2];
static uint8_t base[BASE_PAGES * MACH_PAGE_SIZE];
static struct bufcache_file base_id;
static uint64_t saved_default_limit;

static uint64_t mmio_read(void *o, uint64_t off, unsigned size)
{
    (void)o, (void)off, (void)size;
    return 0;
}

static void mmio_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
    (void)o, (void)off, (void)val, (void)size;
}

static const struct mem_region_ops mmio_ops = {.read = mmio_read, .write = mmio_write};

static void set_irq(void *opaque, int n, int level)
{
    (void)opaque, (void)n, (void)level;
}

static void write_hook(void *opaque, gpa_t pa, uint64_t len)
{
    struct tvm *v = opaque;
    if (pa + len > DATA && pa < DATA + 0x10000) {
        if (pa < v->hook_lo)
            v->hook_lo = pa;
        if (pa + len > v->hook_hi)
            v->hook_hi = pa + len;
    }
}

static uint32_t rd(struct tvm *v, unsigned off, unsigned size)
{
    return (uint32_t)virtio_pci_io_ops.read(v->vp, off, size);
}

static void wr(struct tvm *v, unsigned off, uint32_t val, unsigned size)
{
    virtio_pci_io_ops.write(v->vp, off, val, size);
}

/* A VM around drive b: RAM in the shared pool, a software TLB attached, the driver's probe. */
static void vm_make(struct tvm *v, struct blk *b)
{
    memset(v, 0, sizeof(*v));
    assert_int_equal(pmap_init(&v->ram, &mm, RAM_SIZE, 0), 0);
    assert_int_equal(physmap_add_pmap(&v->pm, "ram", 0, RAM_SIZE, &v->ram, 0), 0);
    assert_int_equal(physmap_add_mmio(&v->pm, "dev", MMIO_BASE, 0x1000, &mmio_ops, NULL), 0);
    v->pm.write_hook = write_hook;
    v->pm.write_hook_opaque = v;
    v->hook_lo = UINT64_MAX;
    v->stlb = calloc(1, sizeof(*v->stlb));
    assert_non_null(v->stlb);
    stlb_flush_all(v->stlb);
    assert_int_equal(pmap_attach_stlb(&v->ram, v->stlb), 0);
    v->b = b;
    struct virtio_host host = {0};
    assert_int_equal(virtio_blk_create(&v->dev, &v->pm, b, "bufcache", &host), 0);
    v->vp = virtio_blk_pci(v->dev);
    virtio_pci_attach(v->vp, NULL, -1, (struct irq_line){.set = set_irq});
    wr(v, VIRTIO_PCI_STATUS, 0, 1);
    wr(v, VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(v, VIRTIO_PCI_GUEST_FEATURES, rd(v, VIRTIO_PCI_HOST_FEATURES, 4), 4);
    wr(v, VIRTIO_PCI_QUEUE_SEL, 0, 2);
    wr(v, VIRTIO_PCI_QUEUE_PFN, RING >> 12, 4);
    wr(v, VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

static void vm_free(struct tvm *v)
{
    if (!v->dev)
        return;
    virtio_blk_destroy(v->dev);
    blk_close(v->b);
    pmap_destroy(&v->ram);
    free(v->stlb);
    memset(v, 0, sizeof(*v));
}

static void put_desc(struct tvm *v, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    assert_int_equal(physmap_write(&v->pm, RING + 16ull * i, d, 16), 0);
}

static uint16_t used_idx(struct tvm *v)
{
    uint16_t x;
    assert_int_equal(physmap_read(&v->pm, v->vp->vq[0].used + 2, &x, 2), 0);
    return x;
}

/* Queues a request (header, data at gpa of len bytes, status) and notifies; does not wait. */
static void submit(struct tvm *v, uint32_t type, uint64_t sector, gpa_t gpa, uint32_t len)
{
    uint8_t h[16] = {0}, st = 0xEE;
    memcpy(h, &type, 4);
    memcpy(h + 8, &sector, 8);
    assert_int_equal(physmap_write(&v->pm, HDR, h, 16), 0);
    assert_int_equal(physmap_write(&v->pm, STATUS, &st, 1), 0);
    put_desc(v, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
    put_desc(v, 1, gpa, len, VRING_DESC_F_NEXT | (type == 0 ? VRING_DESC_F_WRITE : 0), 2);
    put_desc(v, 2, STATUS, 1, VRING_DESC_F_WRITE, 0);
    uint64_t avail = v->vp->vq[0].avail;
    uint16_t head = 0;
    assert_int_equal(physmap_write(&v->pm, avail + 4 + 2ull * (v->avail_idx % 128), &head, 2), 0);
    v->avail_idx++;
    assert_int_equal(physmap_write(&v->pm, avail + 2, &v->avail_idx, 2), 0);
    wr(v, VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
}

/* Polls until v's used index reaches its avail index (5 s at most); the status byte. */
static uint8_t finish(struct tvm *v)
{
    for (int i = 0; i < 5000 && used_idx(v) != v->avail_idx; i++) {
        virtio_blk_poll(v->dev);
        if (used_idx(v) == v->avail_idx)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(used_idx(v), v->avail_idx);
    uint8_t st;
    assert_int_equal(physmap_read(&v->pm, STATUS, &st, 1), 0);
    return st;
}

static void guest_read(struct tvm *v, uint64_t sector, gpa_t gpa, uint32_t len)
{
    submit(v, 0, sector, gpa, len);
    assert_int_equal(finish(v), 0);
}

/* The guest's bytes at gpa equal base bytes from off. */
static void assert_guest_has(struct tvm *v, gpa_t gpa, uint64_t off, uint64_t len)
{
    uint8_t *buf = malloc(len);
    assert_int_equal(physmap_read(&v->pm, gpa, buf, len), 0);
    assert_memory_equal(buf, base + off, len);
    free(buf);
}

static mpn_t guest_mpn(struct tvm *v, gpa_t gpa, bool *cow)
{
    return pmap_lookup(&v->ram, (uint32_t)(gpa >> MACH_PAGE_BITS), cow);
}

static struct bufcache_stats cache_stats(void)
{
    struct bufcache_stats s = {0};
    assert_non_null(mm.bufcache);
    bufcache_get_stats(mm.bufcache, &s);
    return s;
}

static struct blk *open_overlay(const char *name)
{
    char err[512];
    assert_int_equal(blk_create_overlay(bt_path(name), bt_path("base.raw"), BLK_FORMAT_RAW, err, sizeof(err)), 0);
    struct blk *b;
    bt_open(bt_path(name), BLK_FORMAT_QCOW2, false, BLK_CACHE_WRITEBACK, &b);
    return b;
}

static struct blk *open_base(bool readonly)
{
    struct blk *b;
    bt_open(bt_path("base.raw"), BLK_FORMAT_RAW, readonly, BLK_CACHE_WRITEBACK, &b);
    return b;
}

static int setup_pool(void)
{
    assert_int_equal(machmem_init(&mm, 4096ull * MACH_PAGE_SIZE), 0);
    for (size_t i = 0; i < sizeof(base); i++)
        base[i] = (uint8_t)(i * 13 + (i >> 12) * 101 + 7);
    bt_write_file(bt_path("base.raw"), base, sizeof(base));
    struct stat st;
    assert_int_equal(stat(bt_path("base.raw"), &st), 0);
    base_id = (struct bufcache_file){.dev = st.st_dev, .ino = st.st_ino, .size = (uint64_t)st.st_size,
                                     .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec};
    return 0;
}

/* Two VMs, each on its own overlay over base.raw. */
static int setup(void **state)
{
    bt_setup(state);
    saved_default_limit = bufcache_default_limit();
    setup_pool();
    vm_make(&vms[0], open_overlay("ov0.qcow2"));
    vm_make(&vms[1], open_overlay("ov1.qcow2"));
    return 0;
}

static int teardown(void **state)
{
    vm_free(&vms[0]);
    vm_free(&vms[1]);
    machmem_destroy(&mm);
    bufcache_set_default_limit(saved_default_limit);
    return bt_teardown(state);
}

/* Both VMs read base page 3 into a page-aligned buffer: one machine page, the cache's, mapped
 * copy-on-write in both pmaps; the host file was read for it once. */
static void test_two_vms_one_page(void **state)
{
    (void)state;
    guest_read(&vms[0], 3 * 8, DATA, MACH_PAGE_SIZE);
    guest_read(&vms[1], 3 * 8, DATA + 2 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    bool cow0, cow1;
    mpn_t m0 = guest_mpn(&vms[0], DATA, &cow0), m1 = guest_mpn(&vms[1], DATA + 2 * MACH_PAGE_SIZE, &cow1);
    mpn_t cached = bufcache_peek(mm.bufcache, &base_id, 3);
    assert_int_not_equal(cached, MPN_NONE);
    assert_int_equal(m0, cached);
    assert_int_equal(m1, cached);
    assert_true(cow0 && cow1);
    assert_guest_has(&vms[0], DATA, 3 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_guest_has(&vms[1], DATA + 2 * MACH_PAGE_SIZE, 3 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    /* the memmap: the cache's hold and two owners */
    struct mpage info = machmem_info(&mm, cached);
    assert_int_equal(info.refs, 3);
    assert_int_equal(info.n_owners, 2);
    assert_true(info.flags & MPAGE_COW);
    /* counters: mapped twice, read from the host once, by the first VM */
    assert_int_equal(atomic_load(&vms[0].b->share.mapped), MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[1].b->share.mapped), MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[0].b->share.host), MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[1].b->share.host), 0);
    assert_int_equal(atomic_load(&vms[0].b->share.copied) + atomic_load(&vms[1].b->share.copied), 0);
    struct bufcache_stats s = cache_stats();
    assert_int_equal(s.host_bytes, MACH_PAGE_SIZE);
    assert_int_equal(s.misses, 1);
    assert_int_equal(s.hits, 1);
    assert_int_equal(s.pages, 1);
    assert_int_equal(vms[0].ram.st.shared_maps, 1);
}

/* A multi-page read: every page mapped, the host read in one call. */
static void test_multi_page_read(void **state)
{
    (void)state;
    guest_read(&vms[0], 8 * 8, DATA, 8 * MACH_PAGE_SIZE);
    guest_read(&vms[1], 8 * 8, DATA, 8 * MACH_PAGE_SIZE);
    for (unsigned i = 0; i < 8; i++) {
        bool c0, c1;
        mpn_t m0 = guest_mpn(&vms[0], DATA + i * MACH_PAGE_SIZE, &c0);
        assert_int_equal(m0, guest_mpn(&vms[1], DATA + i * MACH_PAGE_SIZE, &c1));
        assert_true(c0 && c1);
        assert_int_equal(m0, bufcache_peek(mm.bufcache, &base_id, 8 + i));
    }
    /* the run's pages are consecutive machine pages, mapped in one go (one view remap) */
    assert_int_equal(bufcache_peek(mm.bufcache, &base_id, 15), bufcache_peek(mm.bufcache, &base_id, 8) + 7);
    assert_int_equal(vms[0].ram.st.shared_maps, 8);
    assert_guest_has(&vms[1], DATA, 8 * MACH_PAGE_SIZE, 8 * MACH_PAGE_SIZE);
    struct bufcache_stats s = cache_stats();
    assert_int_equal(s.host_bytes, 8 * MACH_PAGE_SIZE);
    assert_int_equal(s.host_reads, 1);
    assert_int_equal(atomic_load(&vms[1].b->share.mapped), 8 * MACH_PAGE_SIZE);
}

/* Mapping replaces the guest's page: the software-TLB entry a vCPU had for it goes, and the
 * write hook hears of the page (its translations die). */
static void test_map_shoots_down(void **state)
{
    (void)state;
    struct tvm *v = &vms[0];
    struct physmap_page pg;
    assert_int_equal(physmap_page(&v->pm, DATA, true, &pg), 0);
    pg.host[0] = 0x55; /* the guest had written there */
    stlb_fill(v->stlb, MMU_KERNEL, GVA_DATA, pg.host, (uint32_t)(pg.canon >> STLB_PAGE_BITS), true);
    const struct stlb_entry *e = &v->stlb->e[MMU_KERNEL][stlb_index(GVA_DATA)];
    assert_int_equal(e->tag_write, GVA_DATA);
    uint64_t shoot0 = v->ram.st.shootdowns;
    v->hook_lo = UINT64_MAX;
    v->hook_hi = 0;
    guest_read(v, 5 * 8, DATA, MACH_PAGE_SIZE);
    bool cow;
    assert_int_equal(guest_mpn(v, DATA, &cow), bufcache_peek(mm.bufcache, &base_id, 5));
    assert_true(cow);
    assert_true(e->tag_read & STLB_INVALID);
    assert_true(e->tag_write & STLB_INVALID);
    assert_true(v->ram.st.shootdowns > shoot0);
    assert_true(v->hook_lo <= DATA && v->hook_hi >= DATA + MACH_PAGE_SIZE);
    assert_guest_has(v, DATA, 5 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    /* The slow path refills it copy-on-write: loads hit, stores go slow. */
    assert_int_equal(physmap_page(&v->pm, DATA, false, &pg), 0);
    assert_true(pg.cow);
}

/* The guest's first store copies: its page is its own afterwards, the other VM and the cache
 * keep the base bytes. */
static void test_guest_store_copies(void **state)
{
    (void)state;
    guest_read(&vms[0], 2 * 8, DATA, MACH_PAGE_SIZE);
    guest_read(&vms[1], 2 * 8, DATA, MACH_PAGE_SIZE);
    mpn_t cached = bufcache_peek(mm.bufcache, &base_id, 2);
    assert_int_equal(guest_mpn(&vms[0], DATA, NULL), cached);
    /* a store as the memory slow path makes it: the page for writing, then the bytes */
    struct physmap_page pg;
    assert_int_equal(physmap_page(&vms[0].pm, DATA, true, &pg), 0);
    assert_false(pg.cow);
    memset(pg.host + 100, 0xAB, 8);
    bool cow;
    mpn_t own = guest_mpn(&vms[0], DATA, &cow);
    assert_int_not_equal(own, cached);
    assert_false(cow);
    assert_int_equal(vms[0].ram.st.cow_copies, 1);
    uint8_t got[MACH_PAGE_SIZE];
    assert_int_equal(physmap_read(&vms[0].pm, DATA, got, sizeof(got)), 0);
    assert_memory_equal(got, base + 2 * MACH_PAGE_SIZE, 100);
    assert_int_equal(got[100], 0xAB);
    assert_memory_equal(got + 108, base + 2 * MACH_PAGE_SIZE + 108, MACH_PAGE_SIZE - 108);
    /* the other VM, and the cache's page, still the base */
    assert_int_equal(guest_mpn(&vms[1], DATA, &cow), cached);
    assert_true(cow);
    assert_guest_has(&vms[1], DATA, 2 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_memory_equal(machmem_page(&mm, cached), base + 2 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(machmem_info(&mm, cached).refs, 2); /* the cache and VM 1 */
}

/* DMA into a mapped page (a later read that is copied there) breaks the sharing the same way. */
static void test_dma_write_breaks_sharing(void **state)
{
    (void)state;
    guest_read(&vms[0], 4 * 8, DATA, MACH_PAGE_SIZE);
    guest_read(&vms[1], 4 * 8, DATA, MACH_PAGE_SIZE);
    mpn_t cached = bufcache_peek(mm.bufcache, &base_id, 4);
    assert_int_equal(guest_mpn(&vms[0], DATA, NULL), cached);
    /* sector 0 (512 bytes, not a whole page) into the start of the same guest page */
    guest_read(&vms[0], 0, DATA, 512);
    bool cow;
    assert_int_not_equal(guest_mpn(&vms[0], DATA, &cow), cached);
    assert_false(cow);
    assert_int_equal(vms[0].ram.st.cow_copies, 1);
    assert_guest_has(&vms[0], DATA, 0, 512);
    assert_guest_has(&vms[0], DATA + 512, 4 * MACH_PAGE_SIZE + 512, MACH_PAGE_SIZE - 512);
    assert_int_equal(guest_mpn(&vms[1], DATA, &cow), cached);
    assert_true(cow);
    assert_guest_has(&vms[1], DATA, 4 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_memory_equal(machmem_page(&mm, cached), base + 4 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[0].b->share.copied), 512);
}

/* Reads that do not line up are copied from the cache, never mapped: a guest buffer off a page
 * boundary, and a disk offset off a page boundary. */
static void test_unaligned_reads_copy(void **state)
{
    (void)state;
    struct tvm *v = &vms[0];
    guest_read(v, 6 * 8, DATA + 512, MACH_PAGE_SIZE);
    assert_guest_has(v, DATA + 512, 6 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    bool cow;
    guest_mpn(v, DATA, &cow);
    assert_false(cow);
    guest_mpn(v, DATA + MACH_PAGE_SIZE, &cow);
    assert_false(cow);
    guest_read(v, 10 * 8 + 1, DATA + 4 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_guest_has(v, DATA + 4 * MACH_PAGE_SIZE, 10 * MACH_PAGE_SIZE + 512, MACH_PAGE_SIZE);
    guest_mpn(v, DATA + 4 * MACH_PAGE_SIZE, &cow);
    assert_false(cow);
    assert_int_equal(atomic_load(&v->b->share.mapped), 0);
    assert_int_equal(atomic_load(&v->b->share.copied), 2 * MACH_PAGE_SIZE);
    assert_int_equal(v->ram.st.shared_maps, 0);
    /* still read through the cache: pages 6, 10 and 11 */
    struct bufcache_stats s = cache_stats();
    assert_int_equal(s.pages, 3);
    assert_int_equal(s.host_bytes, 3 * MACH_PAGE_SIZE);
    /* the other VM copies from those pages without reading the host again */
    guest_read(&vms[1], 10 * 8 + 1, DATA + 512, MACH_PAGE_SIZE);
    assert_guest_has(&vms[1], DATA + 512, 10 * MACH_PAGE_SIZE + 512, MACH_PAGE_SIZE);
    assert_int_equal(cache_stats().host_bytes, 3 * MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[1].b->share.host), 0);
}

/* What a VM wrote into its overlay is its own: read back directly, never shared. */
static void test_top_image_not_shared(void **state)
{
    (void)state;
    uint8_t mine[MACH_PAGE_SIZE];
    memset(mine, 0x3C, sizeof(mine));
    assert_int_equal(physmap_write(&vms[0].pm, DATA + 8 * MACH_PAGE_SIZE, mine, sizeof(mine)), 0);
    submit(&vms[0], 1, 7 * 8, DATA + 8 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(finish(&vms[0]), 0);
    guest_read(&vms[0], 7 * 8, DATA, MACH_PAGE_SIZE);
    uint8_t got[MACH_PAGE_SIZE];
    assert_int_equal(physmap_read(&vms[0].pm, DATA, got, sizeof(got)), 0);
    assert_memory_equal(got, mine, sizeof(got));
    bool cow;
    guest_mpn(&vms[0], DATA, &cow);
    assert_false(cow);
    assert_int_equal(atomic_load(&vms[0].b->share.direct), MACH_PAGE_SIZE);
    assert_int_equal(bufcache_peek(mm.bufcache, &base_id, 7), MPN_NONE);
    /* the other VM still sees the base there, shared */
    guest_read(&vms[1], 7 * 8, DATA, MACH_PAGE_SIZE);
    assert_guest_has(&vms[1], DATA, 7 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    guest_mpn(&vms[1], DATA, &cow);
    assert_true(cow);
}

/* Two VMs with the raw base as a read-only drive share it too; a writable raw drive never
 * goes through the cache. */
static void test_raw_drives(void **state)
{
    (void)state;
    vm_free(&vms[0]);
    vm_free(&vms[1]);
    vm_make(&vms[0], open_base(true));
    vm_make(&vms[1], open_base(true));
    guest_read(&vms[0], 9 * 8, DATA, 2 * MACH_PAGE_SIZE);
    guest_read(&vms[1], 9 * 8, DATA, 2 * MACH_PAGE_SIZE);
    bool cow;
    assert_int_equal(guest_mpn(&vms[1], DATA + MACH_PAGE_SIZE, &cow), bufcache_peek(mm.bufcache, &base_id, 10));
    assert_true(cow);
    assert_int_equal(guest_mpn(&vms[0], DATA + MACH_PAGE_SIZE, NULL), guest_mpn(&vms[1], DATA + MACH_PAGE_SIZE, NULL));
    assert_int_equal(cache_stats().host_bytes, 2 * MACH_PAGE_SIZE);
    vm_free(&vms[0]);
    vm_free(&vms[1]);
    vm_make(&vms[0], open_base(false));
    guest_read(&vms[0], 12 * 8, DATA, MACH_PAGE_SIZE);
    assert_guest_has(&vms[0], DATA, 12 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    guest_mpn(&vms[0], DATA, &cow);
    assert_false(cow);
    assert_int_equal(atomic_load(&vms[0].b->share.direct), MACH_PAGE_SIZE);
    assert_int_equal(cache_stats().pages, 2);
}

/* With the cache switched off (--buffer-cache 0) every read is a private copy. */
static void test_cache_off(void **state)
{
    (void)state;
    vm_free(&vms[0]);
    vm_free(&vms[1]);
    machmem_destroy(&mm);
    bufcache_set_default_limit(0);
    setup_pool();
    vm_make(&vms[0], open_overlay("ov2.qcow2"));
    vm_make(&vms[1], open_overlay("ov3.qcow2"));
    guest_read(&vms[0], 3 * 8, DATA, MACH_PAGE_SIZE);
    guest_read(&vms[1], 3 * 8, DATA, MACH_PAGE_SIZE);
    assert_null(mm.bufcache);
    bool cow;
    assert_int_not_equal(guest_mpn(&vms[0], DATA, &cow), guest_mpn(&vms[1], DATA, NULL));
    assert_false(cow);
    assert_guest_has(&vms[1], DATA, 3 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[0].b->share.direct), MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[0].b->share.mapped), 0);
}

/* The bound: a cache of 4 pages never holds more; pages the guests map survive eviction for
 * them, and a page read again after its eviction comes from the host again. */
static void test_bound(void **state)
{
    (void)state;
    guest_read(&vms[0], 0, DATA, MACH_PAGE_SIZE); /* makes the cache */
    bufcache_set_limit(mm.bufcache, 4);
    guest_read(&vms[0], 16 * 8, DATA + MACH_PAGE_SIZE, 12 * MACH_PAGE_SIZE);
    struct bufcache_stats s = cache_stats();
    assert_true(s.pages <= 4);
    assert_true(s.evictions >= 9);
    assert_guest_has(&vms[0], DATA + MACH_PAGE_SIZE, 16 * MACH_PAGE_SIZE, 12 * MACH_PAGE_SIZE);
    bool cow;
    guest_mpn(&vms[0], DATA + MACH_PAGE_SIZE, &cow);
    assert_true(cow); /* still mapped, though the cache forgot it */
    uint64_t before = s.host_bytes;
    guest_read(&vms[1], 16 * 8, DATA, MACH_PAGE_SIZE); /* page 16: evicted, read again */
    assert_int_equal(cache_stats().host_bytes, before + MACH_PAGE_SIZE);
    assert_guest_has(&vms[1], DATA, 16 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_true(cache_stats().pages <= 4);
}

/* The host's mapping budget, counted in runs of view pages away from home (each run splits the
 * RAM view's host mapping into up to two more): a run of consecutive pages is one; a store in
 * the middle of a run cuts it in two; past the pool's away_limit a read is copied, not mapped;
 * a VM that goes gives its runs back. */
static void test_away_limit(void **state)
{
    (void)state;
    int64_t base = atomic_load(&mm.away_runs);
    struct physmap_page pg;
    guest_read(&vms[0], 20 * 8, DATA, 3 * MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&mm.away_runs), base + 1);
    assert_int_equal(physmap_page(&vms[0].pm, DATA + MACH_PAGE_SIZE, true, &pg), 0); /* the middle one */
    assert_int_equal(atomic_load(&mm.away_runs), base + 2);
    guest_read(&vms[0], 30 * 8, DATA + 8 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&mm.away_runs), base + 3);
    /* full: a 4-page run would pass the limit, so it is copied */
    mm.away_limit = base + 4;
    guest_read(&vms[0], 40 * 8, DATA + 16 * MACH_PAGE_SIZE, 4 * MACH_PAGE_SIZE);
    assert_guest_has(&vms[0], DATA + 16 * MACH_PAGE_SIZE, 40 * MACH_PAGE_SIZE, 4 * MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&vms[0].b->share.copied), 4 * MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&mm.away_refused), 4);
    assert_int_equal(atomic_load(&mm.away_runs), base + 3);
    bool cow;
    guest_mpn(&vms[0], DATA + 16 * MACH_PAGE_SIZE, &cow);
    assert_false(cow);
    /* a store brings the lone page home: room again */
    assert_int_equal(physmap_page(&vms[0].pm, DATA + 8 * MACH_PAGE_SIZE, true, &pg), 0);
    assert_int_equal(atomic_load(&mm.away_runs), base + 2);
    guest_read(&vms[1], 24 * 8, DATA, 2 * MACH_PAGE_SIZE);
    guest_mpn(&vms[1], DATA, &cow);
    assert_true(cow);
    assert_int_equal(atomic_load(&mm.away_runs), base + 3);
    /* VMs that go give their runs back */
    vm_free(&vms[1]);
    vm_free(&vms[0]);
    assert_int_equal(atomic_load(&mm.away_runs), base);
}

/* A guest page that already maps a cache page and is read into again (a buffer reused, as
 * O_DIRECT reads into one user buffer do) is copied, not remapped: one copy-on-write break
 * brings it home, later reads into it are plain copies. The same page read again where it is
 * already mapped changes nothing. */
static void test_reread_copies(void **state)
{
    (void)state;
    struct tvm *v = &vms[0];
    guest_read(v, 3 * 8, DATA, MACH_PAGE_SIZE);
    mpn_t cached = bufcache_peek(mm.bufcache, &base_id, 3);
    assert_int_equal(guest_mpn(v, DATA, NULL), cached);
    uint64_t shoot0 = v->ram.st.shootdowns;
    guest_read(v, 3 * 8, DATA, MACH_PAGE_SIZE);
    assert_int_equal(guest_mpn(v, DATA, NULL), cached);
    assert_int_equal(v->ram.st.shootdowns, shoot0);
    assert_int_equal(atomic_load(&v->b->share.mapped), 2 * MACH_PAGE_SIZE);
    guest_read(v, 4 * 8, DATA, MACH_PAGE_SIZE);
    bool cow;
    assert_int_not_equal(guest_mpn(v, DATA, &cow), cached);
    assert_false(cow);
    assert_guest_has(v, DATA, 4 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&v->b->share.copied), MACH_PAGE_SIZE);
    assert_int_equal(v->ram.st.cow_copies, 1);
    /* remembered: later reads into it are plain copies, no remap either way */
    uint64_t maps0 = v->ram.st.shared_maps;
    guest_read(v, 5 * 8, DATA, MACH_PAGE_SIZE);
    assert_guest_has(v, DATA, 5 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    guest_mpn(v, DATA, &cow);
    assert_false(cow);
    assert_int_equal(v->ram.st.cow_copies, 1);
    assert_int_equal(v->ram.st.shared_maps, maps0);
    assert_int_equal(atomic_load(&v->b->share.copied), 2 * MACH_PAGE_SIZE);
    /* another page is mapped as before */
    assert_int_equal(atomic_load(&v->b->share.mapped), 2 * MACH_PAGE_SIZE);
    guest_read(v, 6 * 8, DATA + MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    assert_int_equal(atomic_load(&v->b->share.mapped), 3 * MACH_PAGE_SIZE);
}

/* A base only one drive reads has nobody to share with: its reads go past the cache. Once a
 * second drive opens it, they share. */
static void test_single_reader_direct(void **state)
{
    (void)state;
    vm_free(&vms[1]);
    guest_read(&vms[0], 3 * 8, DATA, MACH_PAGE_SIZE);
    assert_guest_has(&vms[0], DATA, 3 * MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    bool cow;
    guest_mpn(&vms[0], DATA, &cow);
    assert_false(cow);
    assert_int_equal(atomic_load(&vms[0].b->share.direct), MACH_PAGE_SIZE);
    assert_int_equal(bufcache_file_users(mm.bufcache, &base_id), 1);
    assert_int_equal(cache_stats().pages, 0);
    vm_make(&vms[1], open_overlay("ov4.qcow2"));
    assert_int_equal(bufcache_file_users(mm.bufcache, &base_id), 2);
    guest_read(&vms[0], 3 * 8, DATA + MACH_PAGE_SIZE, MACH_PAGE_SIZE);
    guest_read(&vms[1], 3 * 8, DATA, MACH_PAGE_SIZE);
    assert_int_equal(guest_mpn(&vms[0], DATA + MACH_PAGE_SIZE, &cow), guest_mpn(&vms[1], DATA, NULL));
    assert_true(cow);
}

/* Both VMs read the same pages at the same time from their I/O threads: each page is read
 * from the host once, and both get it. */
static void test_concurrent(void **state)
{
    (void)state;
    for (unsigned round = 0; round < 8; round++) {
        uint64_t sector = (16 + 6 * round) * 8;
        gpa_t buf = DATA + round * 6 * MACH_PAGE_SIZE;
        submit(&vms[0], 0, sector, buf, 6 * MACH_PAGE_SIZE);
        submit(&vms[1], 0, sector, buf, 6 * MACH_PAGE_SIZE);
        assert_int_equal(finish(&vms[0]), 0);
        assert_int_equal(finish(&vms[1]), 0);
        for (unsigned i = 0; i < 6; i++)
            assert_int_equal(guest_mpn(&vms[0], buf + i * MACH_PAGE_SIZE, NULL),
                             guest_mpn(&vms[1], buf + i * MACH_PAGE_SIZE, NULL));
        assert_guest_has(&vms[0], buf, sector * 512, 6 * MACH_PAGE_SIZE);
        assert_guest_has(&vms[1], buf, sector * 512, 6 * MACH_PAGE_SIZE);
    }
    struct bufcache_stats s = cache_stats();
    assert_int_equal(s.host_bytes, 48 * MACH_PAGE_SIZE);
    assert_int_equal(s.misses, 48);
    assert_int_equal(s.hits, 48);
    assert_int_equal(atomic_load(&vms[0].b->share.host) + atomic_load(&vms[1].b->share.host), 48 * MACH_PAGE_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_vms_one_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_page_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_shoots_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_store_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_write_breaks_sharing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unaligned_reads_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_image_not_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_drives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_away_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reread_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_reader_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

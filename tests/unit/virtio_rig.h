/*
 * The machine around a virtio device under test (test_virtio_blk, test_virtio_net,
 * test_virtio_balloon): 256 KiB of RAM through a pmap, and a device window at MMIO_BASE that
 * only counts its accesses (a descriptor pointing there must never reach it), an INTA line that
 * records its level and a host kick that counts; and the driver's side of a split ring
 * (descriptors, the available ring, the used index). Static functions: each test binary
 * includes it once.
 */
#ifndef TESTS_UNIT_VIRTIO_RIG_H
#define TESTS_UNIT_VIRTIO_RIG_H

#include <stdatomic.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"

#define RAM_SIZE (256u << 10)
#define MMIO_BASE 0x100000u

static struct machmem mm;
static struct pmap ram;
static struct physmap pm;
static unsigned mmio_accesses;
static int irq_level;
static _Atomic unsigned kicks;

static uint64_t mmio_read(void *o, uint64_t off, unsigned size)
{
    (void)o, (void)off, (void)size;
    mmio_accesses++;
    return 0;
}

static void mmio_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
    (void)o, (void)off, (void)val, (void)size;
    mmio_accesses++;
}

static const struct mem_region_ops mmio_ops = {.read = mmio_read, .write = mmio_write};

static void set_irq(void *opaque, int n, int level)
{
    (void)opaque, (void)n;
    irq_level = level;
}

static void kick(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&kicks, 1);
}

/* RAM at 0 and the counting window over a pool of `pages` machine pages, counters cleared. */
static void rig_machine_init_pool(unsigned pages)
{
    assert_int_equal(machmem_init(&mm, (size_t)pages * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&ram, &mm, RAM_SIZE, 0), 0);
    memset(&pm, 0, sizeof(pm));
    assert_int_equal(physmap_add_pmap(&pm, "ram", 0, RAM_SIZE, &ram, 0), 0);
    assert_int_equal(physmap_add_mmio(&pm, "dev", MMIO_BASE, 0x1000, &mmio_ops, NULL), 0);
    mmio_accesses = 0;
    irq_level = 0;
    atomic_store(&kicks, 0);
}

/* The same with a pool of 128 pages. */
static void rig_machine_init(void)
{
    rig_machine_init_pool(128);
}

static void rig_machine_fini(void)
{
    pmap_destroy(&ram);
    machmem_destroy(&mm);
}

/* Descriptor i of the table at `table` (virtio 1.0 2.4.5: addr, len, flags, next). */
static inline void rig_put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    assert_int_equal(physmap_write(&pm, table + 16ull * i, d, 16), 0);
}

/* The used ring's index of queue q. */
static inline uint16_t rig_used_idx(const struct virtio_pci *v, unsigned q)
{
    uint16_t idx;
    assert_int_equal(physmap_read(&pm, v->vq[q].used + 2, &idx, 2), 0);
    return idx;
}

/* Makes head available on queue q (without the notify); *avail_idx is the driver's index. */
static inline void rig_publish(const struct virtio_pci *v, unsigned q, uint16_t *avail_idx, uint16_t head)
{
    uint64_t avail = v->vq[q].avail;
    assert_int_equal(physmap_write(&pm, avail + 4 + 2ull * (*avail_idx % v->vq[q].size), &head, 2), 0);
    (*avail_idx)++;
    assert_int_equal(physmap_write(&pm, avail + 2, avail_idx, 2), 0);
}

#endif

/*
 * The machine around a virtio device under test (test_virtio_blk, test_virtio_net,
 * test_virtio_balloon): 256 KiB of RAM through a pmap, and a device window at MMIO_BASE that
 * only counts its accesses (a descriptor pointing there must never reach it), an INTA line that
 * records its level and a host kick that counts; the driver's side of its rings is
 * tests/unit/vring_driver.h. Static functions: each test binary includes it once.
 */
#ifndef TESTS_UNIT_VIRTIO_RIG_H
#define TESTS_UNIT_VIRTIO_RIG_H

#include <stdatomic.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/vring_driver.h"

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

#endif

/*
 * The driver's side of a split virtqueue (virtio 1.0 section 2.4) written into guest memory
 * through a physmap, as a guest driver (or an attacker) would: descriptors, the available ring
 * and its index, and the used index read back. For the virtio unit tests (test_virtqueue and the
 * device tests through tests/unit/virtio_rig.h); every access must succeed (assert_int_equal,
 * cmocka's or a harness's own).
 */
#ifndef TESTS_UNIT_VRING_DRIVER_H
#define TESTS_UNIT_VRING_DRIVER_H

#include <stdint.h>
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

/* Descriptor i of the table at `table`: addr, len, flags, next (16 bytes, little-endian). */
static inline void vring_put_desc(struct physmap *pm, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                                  uint16_t flags, uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    assert_int_equal(physmap_write(pm, table + 16ull * i, d, 16), 0);
}

/* Makes head available in the ring at `avail` of qsize entries (without the notify): one more
 * entry, then the index published; *avail_idx is the driver's index. */
static inline void vring_publish(struct physmap *pm, uint64_t avail, uint16_t qsize, uint16_t *avail_idx,
                                 uint16_t head)
{
    assert_int_equal(physmap_write(pm, avail + 4 + 2ull * (*avail_idx % qsize), &head, 2), 0);
    (*avail_idx)++;
    assert_int_equal(physmap_write(pm, avail + 2, avail_idx, 2), 0);
}

/* The index of the used ring at `used`. */
static inline uint16_t vring_used_idx(struct physmap *pm, uint64_t used)
{
    uint16_t idx;
    assert_int_equal(physmap_read(pm, used + 2, &idx, 2), 0);
    return idx;
}

#endif

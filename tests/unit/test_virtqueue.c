/*
 * Unit tests of the split virtqueue (devices/virtio/virtqueue.c) against fake guest memory:
 * 64 KiB of RAM (pmap pages) at 0, a device window that counts every access at 0x100000 and a
 * ROM at 0x200000. The guest is hostile: descriptors outside RAM, into the device or the ROM,
 * straddling the end of RAM, loops, heads and next indices outside the table, an available
 * index run too far ahead, indirect tables that are not negotiated, nested, empty, misaligned,
 * outside RAM or looping, readable buffers after writable ones. Each must be VIRTQ_BROKEN
 * without a single access to the device or the ROM; good chains come back with the right
 * segments, and used-ring updates go through the write hook (the code-invalidation path).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "shadow-mmu/shadow_mmu.h"
#include "tests/unit/vring_driver.h"

#define RAM_SIZE (64u << 10)
#define MMIO_BASE 0x100000u
#define ROM_BASE 0x200000u
#define QSIZE 8
#define RING_PFN 1 /* the queue at 0x1000 */

static struct machmem mm;
static struct pmap ram;
static struct physmap pm;
static uint8_t rom[0x1000];
static unsigned mmio_accesses, hook_calls;
static uint64_t hook_lo = UINT64_MAX, hook_hi;
static struct virtq q;
static struct virtq_elem e;

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    (void)off;
    (void)size;
    mmio_accesses++;
    return 0;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)off;
    (void)val;
    (void)size;
    mmio_accesses++;
}

static const struct mem_region_ops mmio_ops = {.read = mmio_read, .write = mmio_write};

static void hook(void *opaque, gpa_t pa, uint64_t len)
{
    (void)opaque;
    hook_calls++;
    if (pa < hook_lo)
        hook_lo = pa;
    if (pa + len > hook_hi)
        hook_hi = pa + len;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(machmem_init(&mm, 64 * MACH_PAGE_SIZE), 0);
    assert_int_equal(pmap_init(&ram, &mm, RAM_SIZE, 0), 0);
    memset(&pm, 0, sizeof(pm));
    assert_int_equal(physmap_add_pmap(&pm, "ram", 0, RAM_SIZE, &ram, 0), 0);
    assert_int_equal(physmap_add_mmio(&pm, "dev", MMIO_BASE, 0x1000, &mmio_ops, NULL), 0);
    memset(rom, 0x5A, sizeof(rom));
    assert_int_equal(physmap_add_ram(&pm, "rom", ROM_BASE, sizeof(rom), rom, true), 0);
    pm.write_hook = hook;
    mmio_accesses = hook_calls = 0;
    hook_lo = UINT64_MAX;
    hook_hi = 0;
    memset(&q, 0, sizeof(q));
    virtq_setup(&q, &pm, QSIZE, RING_PFN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pmap_destroy(&ram);
    machmem_destroy(&mm);
    return 0;
}

/* ---- building rings the way a driver (or an attacker) would ---- */

static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vring_put_desc(&pm, table, i, addr, len, flags, next);
}

static uint16_t avail_idx;

/* Makes head available (one more entry in the ring, index published). */
static void publish(uint16_t head)
{
    vring_publish(&pm, q.avail, QSIZE, &avail_idx, head);
}

static enum virtq_pop pop(const char **why)
{
    *why = NULL;
    return virtq_pop(&q, &e, why);
}

static void expect_broken(const char *what)
{
    const char *why;
    enum virtq_pop r = pop(&why);
    if (r != VIRTQ_BROKEN)
        fail_msg("%s: expected VIRTQ_BROKEN, got %d", what, r);
    assert_non_null(why);
    assert_int_equal(mmio_accesses, 0);
}

#define BUF 0x8000u /* data buffers live here, in RAM */

static void test_layout(void **state)
{
    (void)state;
    /* Legacy layout, 4 KiB aligned used ring (Linux vring_init with VIRTIO_PCI_VRING_ALIGN). */
    assert_int_equal(q.desc, 0x1000);
    assert_int_equal(q.avail, 0x1000 + 16 * QSIZE);
    assert_int_equal(q.used, 0x2000);
}

static void test_empty_then_good_chain(void **state)
{
    (void)state;
    avail_idx = 0;
    const char *why;
    assert_int_equal(pop(&why), VIRTQ_EMPTY);
    /* header (readable) -> data (writable) -> status (writable) */
    put_desc(q.desc, 3, BUF, 16, VRING_DESC_F_NEXT, 5);
    put_desc(q.desc, 5, BUF + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
    put_desc(q.desc, 0, BUF + 0x400, 1, VRING_DESC_F_WRITE, 0);
    publish(3);
    assert_int_equal(pop(&why), VIRTQ_GOT);
    assert_int_equal(e.head, 3);
    assert_int_equal(e.n_out, 1);
    assert_int_equal(e.n_in, 2);
    assert_int_equal(e.out_bytes, 16);
    assert_int_equal(e.in_bytes, 513);
    assert_int_equal(e.seg[0].gpa, BUF);
    assert_int_equal(e.seg[1].gpa, BUF + 0x100);
    assert_int_equal(e.seg[2].gpa, BUF + 0x400);
    assert_int_equal(pop(&why), VIRTQ_EMPTY);

    /* Copies across segments: writable bytes 510..513 span data and status. */
    uint8_t four[3] = {0xA1, 0xA2, 0xA3};
    assert_int_equal(virtq_copy_to(&pm, &e, 510, four, 3), 3);
    uint8_t back[2], st;
    assert_int_equal(physmap_read(&pm, BUF + 0x100 + 510, back, 2), 0);
    assert_int_equal(physmap_read(&pm, BUF + 0x400, &st, 1), 0);
    assert_int_equal(back[0], 0xA1);
    assert_int_equal(back[1], 0xA2);
    assert_int_equal(st, 0xA3);

    /* The used element, then the index; both through the write hook. */
    hook_calls = 0;
    hook_lo = UINT64_MAX;
    hook_hi = 0;
    assert_int_equal(virtq_push(&q, 3, 513), 0);
    uint32_t used[2];
    uint16_t uidx;
    assert_int_equal(physmap_read(&pm, q.used + 4, used, 8), 0);
    assert_int_equal(physmap_read(&pm, q.used + 2, &uidx, 2), 0);
    assert_int_equal(used[0], 3);
    assert_int_equal(used[1], 513);
    assert_int_equal(uidx, 1);
    assert_true(hook_calls >= 2);
    assert_true(hook_lo >= q.used && hook_hi <= q.used + 6 + 8 * QSIZE);
}

static void test_buffer_outside_ram(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, RAM_SIZE + 0x1000, 16, 0, 0);
    publish(0);
    expect_broken("a buffer past the end of RAM");
}

static void test_buffer_straddles_ram_end(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, RAM_SIZE - 8, 16, 0, 0);
    publish(0);
    expect_broken("a buffer straddling the end of RAM");
}

static void test_buffer_into_mmio(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    put_desc(q.desc, 1, MMIO_BASE, 1, VRING_DESC_F_WRITE, 0);
    publish(0);
    expect_broken("a status byte in a device's registers");
}

static void test_buffer_into_rom(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    put_desc(q.desc, 1, ROM_BASE, 512, VRING_DESC_F_WRITE, 0);
    publish(0);
    expect_broken("a writable buffer in ROM");
    for (size_t i = 0; i < sizeof(rom); i++)
        assert_int_equal(rom[i], 0x5A);
}

static void test_address_wraps(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, UINT64_MAX - 3, 16, 0, 0);
    publish(0);
    expect_broken("an address that wraps around");
}

static void test_loop(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    put_desc(q.desc, 1, BUF + 16, 16, VRING_DESC_F_NEXT, 2);
    put_desc(q.desc, 2, BUF + 32, 16, VRING_DESC_F_NEXT, 0);
    publish(0);
    expect_broken("a chain that loops");
}

static void test_self_loop(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 4, BUF, 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 4);
    publish(4);
    expect_broken("a descriptor that is its own next");
}

static void test_whole_table_chain_ok(void **state)
{
    (void)state;
    /* A chain using every descriptor once is the longest legal one. */
    avail_idx = 0;
    for (unsigned i = 0; i < QSIZE; i++)
        put_desc(q.desc, i, BUF + 64 * i, 64, i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    publish(0);
    const char *why;
    assert_int_equal(pop(&why), VIRTQ_GOT);
    assert_int_equal(e.n_out, QSIZE);
}

static void test_head_outside_table(void **state)
{
    (void)state;
    avail_idx = 0;
    publish(QSIZE);
    expect_broken("a head past the table");
}

static void test_next_outside_table(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, BUF, 16, VRING_DESC_F_NEXT, 0xFFFF);
    publish(0);
    expect_broken("a next index past the table");
}

static void test_avail_runs_ahead(void **state)
{
    (void)state;
    uint16_t idx = QSIZE + 1;
    assert_int_equal(physmap_write(&pm, q.avail + 2, &idx, 2), 0);
    expect_broken("an available index more than the queue size ahead");
}

static void test_readable_after_writable(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(q.desc, 0, BUF, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    put_desc(q.desc, 1, BUF + 16, 16, 0, 0);
    publish(0);
    expect_broken("a readable buffer after a writable one");
}

#define ITABLE 0x6000u

static void test_indirect_good(void **state)
{
    (void)state;
    avail_idx = 0;
    q.indirect = true;
    put_desc(ITABLE, 0, BUF, 16, VRING_DESC_F_NEXT, 2);
    put_desc(ITABLE, 2, BUF + 0x200, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    put_desc(ITABLE, 1, BUF + 0x1200, 1, VRING_DESC_F_WRITE, 0);
    put_desc(q.desc, 6, ITABLE, 3 * 16, VRING_DESC_F_INDIRECT, 0);
    publish(6);
    const char *why;
    assert_int_equal(pop(&why), VIRTQ_GOT);
    assert_int_equal(e.head, 6);
    assert_int_equal(e.n_out, 1);
    assert_int_equal(e.n_in, 2);
    assert_int_equal(e.in_bytes, 4097);
}

static void test_indirect_not_negotiated(void **state)
{
    (void)state;
    avail_idx = 0;
    put_desc(ITABLE, 0, BUF, 16, 0, 0);
    put_desc(q.desc, 0, ITABLE, 16, VRING_DESC_F_INDIRECT, 0);
    publish(0);
    expect_broken("an indirect descriptor the driver did not negotiate");
}

static void test_indirect_nested(void **state)
{
    (void)state;
    avail_idx = 0;
    q.indirect = true;
    put_desc(ITABLE + 0x100, 0, BUF, 16, 0, 0);
    put_desc(ITABLE, 0, ITABLE + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
    put_desc(q.desc, 0, ITABLE, 16, VRING_DESC_F_INDIRECT, 0);
    publish(0);
    expect_broken("an indirect table inside an indirect table");
}

static void test_indirect_bad_sizes(void **state)
{
    (void)state;
    static const uint32_t lens[] = {0, 15, 17, 16 * (VIRTQ_MAX_INDIRECT + 1)};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        setup(NULL);
        avail_idx = 0;
        q.indirect = true;
        put_desc(q.desc, 0, ITABLE, lens[k], VRING_DESC_F_INDIRECT, 0);
        publish(0);
        expect_broken("an indirect table of a bad size");
        teardown(NULL);
    }
    setup(NULL);
}

static void test_indirect_outside_ram(void **state)
{
    (void)state;
    static const uint64_t where[] = {MMIO_BASE, ROM_BASE, RAM_SIZE - 16};
    for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
        setup(NULL);
        avail_idx = 0;
        q.indirect = true;
        put_desc(q.desc, 0, where[k], 32, VRING_DESC_F_INDIRECT, 0);
        publish(0);
        expect_broken("an indirect table outside RAM");
        teardown(NULL);
    }
    setup(NULL);
}

static void test_indirect_loop(void **state)
{
    (void)state;
    avail_idx = 0;
    q.indirect = true;
    put_desc(ITABLE, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    put_desc(ITABLE, 1, BUF, 16, VRING_DESC_F_NEXT, 0);
    put_desc(q.desc, 0, ITABLE, 32, VRING_DESC_F_INDIRECT, 0);
    publish(0);
    expect_broken("a loop inside an indirect table");
}

static void test_indirect_with_next(void **state)
{
    (void)state;
    avail_idx = 0;
    q.indirect = true;
    put_desc(ITABLE, 0, BUF, 16, 0, 0);
    put_desc(q.desc, 0, ITABLE, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    put_desc(q.desc, 1, BUF, 1, VRING_DESC_F_WRITE, 0);
    publish(0);
    expect_broken("an indirect descriptor chained to another");
}

static void test_ring_in_mmio(void **state)
{
    (void)state;
    virtq_setup(&q, &pm, QSIZE, MMIO_BASE >> 12);
    const char *why;
    assert_int_equal(pop(&why), VIRTQ_BROKEN);
    assert_int_equal(virtq_push(&q, 0, 0), -EFAULT);
    assert_int_equal(mmio_accesses, 0);
}

static void test_ring_past_ram(void **state)
{
    (void)state;
    /* The used ring of a queue whose descriptors are the last RAM page lies past RAM. */
    virtq_setup(&q, &pm, QSIZE, (RAM_SIZE >> 12) - 1);
    const char *why;
    assert_int_equal(pop(&why), VIRTQ_BROKEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_then_good_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_straddles_ram_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_into_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_into_rom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_table_chain_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_outside_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_outside_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avail_runs_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readable_after_writable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_not_negotiated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_bad_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_with_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_in_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_past_ram, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

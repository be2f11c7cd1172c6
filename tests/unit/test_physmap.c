/*
 * Unit tests of the guest-physical address space (shadow-mmu/physmap.c):
 * sorted insertion and overlap rejection, lookup at region edges, host
 * pointers that must stay inside one RAM region, host copies, and the
 * MMIO/unassigned access path with a fake device that records every access,
 * and the write hook seeing every host write of memory (copies, zeroing,
 * discards, RAM stores through the io path).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "shadow-mmu/shadow_mmu.h"

static struct physmap pm;
static uint8_t ram_a[0x2000], ram_b[0x1000], rom[0x1000];

struct fake_dev {
    unsigned reads, writes;
    uint64_t last_off, last_val;
    unsigned last_size;
    uint64_t read_value;
};

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    struct fake_dev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return d->read_value + off;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct fake_dev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static const struct mem_region_ops fake_ops = {.read = fake_read, .write = fake_write};
static struct fake_dev dev;

static int setup(void **state)
{
    (void)state;
    memset(&pm, 0, sizeof(pm));
    memset(&dev, 0, sizeof(dev));
    memset(ram_a, 0, sizeof(ram_a));
    memset(ram_b, 0, sizeof(ram_b));
    memset(rom, 0xA5, sizeof(rom));
    return 0;
}

/* A standard map: RAM 0x0000-0x1FFF, RAM 0x2000-0x2FFF (adjacent), MMIO 0x10000-0x10FFF,
 * ROM 0x1FC00000-0x1FC00FFF, nothing elsewhere. Added out of order on purpose. */
static void build_map(void)
{
    dev.read_value = 0x1000;
    assert_int_equal(physmap_add_mmio(&pm, "dev", 0x10000, 0x1000, &fake_ops, &dev), 0);
    assert_int_equal(physmap_add_ram(&pm, "rom", 0x1FC00000, sizeof(rom), rom, true), 0);
    assert_int_equal(physmap_add_ram(&pm, "b", 0x2000, sizeof(ram_b), ram_b, false), 0);
    assert_int_equal(physmap_add_ram(&pm, "a", 0x0, sizeof(ram_a), ram_a, false), 0);
}

static void test_sorted_insert(void **state)
{
    (void)state;
    build_map();
    assert_int_equal(pm.n, 4);
    assert_int_equal(pm.r[0].base, 0x0);
    assert_int_equal(pm.r[1].base, 0x2000);
    assert_int_equal(pm.r[2].base, 0x10000);
    assert_int_equal(pm.r[3].base, 0x1FC00000);
    assert_string_equal(pm.r[0].name, "a");
    assert_string_equal(pm.r[1].name, "b");
    assert_string_equal(pm.r[2].name, "dev");
    assert_string_equal(pm.r[3].name, "rom");
    assert_ptr_equal(pm.r[0].host, ram_a);
    assert_null(pm.r[2].host);
    assert_true(pm.r[3].readonly);
    assert_false(pm.r[0].readonly);
    /* a region in a gap between two others */
    static uint8_t gap[0x100];
    assert_int_equal(physmap_add_ram(&pm, "gap", 0x8000, sizeof(gap), gap, false), 0);
    assert_int_equal(pm.n, 5);
    for (unsigned i = 1; i < pm.n; i++)
        assert_true(pm.r[i - 1].base + pm.r[i - 1].size <= pm.r[i].base);
    assert_int_equal(pm.r[2].base, 0x8000);
}

static void test_overlap_rejected(void **state)
{
    (void)state;
    build_map();
    static uint8_t x[0x10000];
    /* overlapping the end of a, the start of b, inside b, covering dev, identical to rom */
    assert_int_equal(physmap_add_ram(&pm, "x", 0x1FFF, 2, x, false), -EEXIST);
    assert_int_equal(physmap_add_ram(&pm, "x", 0x1800, 0x1000, x, false), -EEXIST);
    assert_int_equal(physmap_add_ram(&pm, "x", 0x2800, 0x10, x, false), -EEXIST);
    assert_int_equal(physmap_add_ram(&pm, "x", 0xF000, 0x3000, x, false), -EEXIST);
    assert_int_equal(physmap_add_mmio(&pm, "x", 0x10FFF, 1, &fake_ops, &dev), -EEXIST);
    assert_int_equal(physmap_add_mmio(&pm, "x", 0x1FC00000, 0x1000, &fake_ops, &dev), -EEXIST);
    assert_int_equal(physmap_add_ram(&pm, "x", 0x0, 0x10000, x, false), -EEXIST);
    assert_int_equal(pm.n, 4); /* nothing was added */
    /* touching on either side is fine */
    assert_int_equal(physmap_add_ram(&pm, "x", 0x3000, 0x1000, x, false), 0);
    assert_int_equal(physmap_add_mmio(&pm, "y", 0xF000, 0x1000, &fake_ops, &dev), 0);
    assert_int_equal(physmap_add_mmio(&pm, "z", 0x11000, 0x1000, &fake_ops, &dev), 0);
    assert_int_equal(pm.n, 7);
}

static void test_bad_regions(void **state)
{
    (void)state;
    static uint8_t x[16];
    assert_true(physmap_add_ram(&pm, "zero", 0x1000, 0, x, false) < 0);
    assert_true(physmap_add_ram(&pm, "wrap", 0xFFFFFFFFFFFFF000ull, 0x2000, x, false) < 0);
    assert_int_equal(pm.n, 0);
    /* the table is bounded */
    for (unsigned i = 0; i < PHYSMAP_MAX_REGIONS; i++)
        assert_int_equal(physmap_add_ram(&pm, "r", (gpa_t)i * 0x10, 0x10, x, false), 0);
    assert_int_equal(physmap_add_ram(&pm, "r", 0x100000, 0x10, x, false), -ENOSPC);
    assert_int_equal(pm.n, PHYSMAP_MAX_REGIONS);
}

static void test_find_edges(void **state)
{
    (void)state;
    build_map();
    assert_string_equal(physmap_find(&pm, 0x0)->name, "a");
    assert_string_equal(physmap_find(&pm, 0x1FFF)->name, "a");
    assert_string_equal(physmap_find(&pm, 0x2000)->name, "b");
    assert_string_equal(physmap_find(&pm, 0x2FFF)->name, "b");
    assert_null(physmap_find(&pm, 0x3000));
    assert_null(physmap_find(&pm, 0xFFFF));
    assert_string_equal(physmap_find(&pm, 0x10000)->name, "dev");
    assert_string_equal(physmap_find(&pm, 0x10FFF)->name, "dev");
    assert_null(physmap_find(&pm, 0x11000));
    assert_null(physmap_find(&pm, 0x1FBFFFFF));
    assert_string_equal(physmap_find(&pm, 0x1FC00000)->name, "rom");
    assert_string_equal(physmap_find(&pm, 0x1FC00FFF)->name, "rom");
    assert_null(physmap_find(&pm, 0x1FC01000));
    assert_null(physmap_find(&pm, 0xFFFFFFFFull));
    assert_null(physmap_find(&pm, 0xFFFFFFFFFFFFFFFFull));

    struct physmap empty = {0};
    assert_null(physmap_find(&empty, 0));
}

static void test_host_ranges(void **state)
{
    (void)state;
    build_map();
    assert_ptr_equal(physmap_host(&pm, 0x0, 1), ram_a);
    assert_ptr_equal(physmap_host(&pm, 0x100, 0x100), ram_a + 0x100);
    assert_ptr_equal(physmap_host(&pm, 0x0, 0x2000), ram_a);     /* the whole region */
    assert_ptr_equal(physmap_host(&pm, 0x1FFC, 4), ram_a + 0x1FFC); /* ends exactly at the end */
    assert_null(physmap_host(&pm, 0x1FFD, 4));                      /* crosses into b */
    assert_null(physmap_host(&pm, 0x0, 0x2001));
    assert_null(physmap_host(&pm, 0x1000, 0x2000));
    assert_ptr_equal(physmap_host(&pm, 0x2FFF, 1), ram_b + 0xFFF);
    assert_null(physmap_host(&pm, 0x2FFF, 2));                      /* crosses into nothing */
    assert_null(physmap_host(&pm, 0x3000, 1));                      /* unassigned */
    assert_null(physmap_host(&pm, 0x10000, 4));                     /* MMIO has no host memory */
    assert_ptr_equal(physmap_host(&pm, 0x1FC00000, 0x1000), rom);   /* ROM has (for the loader) */
    assert_null(physmap_host(&pm, 0x1FC00FFF, 2));
    assert_null(physmap_host(&pm, 0x100, 0xFFFFFFFFFFFFFFFFull));  /* a length that would wrap */
}

static void test_write_read(void **state)
{
    (void)state;
    build_map();
    uint8_t buf[64], back[64];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(physmap_write(&pm, 0x1FC0, buf, 64), 0);
    assert_memory_equal(ram_a + 0x1FC0, buf, 64);
    memset(back, 0, sizeof(back));
    assert_int_equal(physmap_read(&pm, 0x1FC0, back, 64), 0);
    assert_memory_equal(back, buf, 64);

    /* crossing from a into b, or into MMIO/unassigned space: -EFAULT, memory untouched */
    assert_int_equal(physmap_write(&pm, 0x1FF0, buf, 64), -EFAULT);
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(ram_b[i], 0);
    assert_int_equal(physmap_write(&pm, 0x10000, buf, 4), -EFAULT);
    assert_int_equal(physmap_write(&pm, 0x3000, buf, 4), -EFAULT);
    assert_int_equal(physmap_read(&pm, 0x2FF0, back, 64), -EFAULT);
    assert_int_equal(physmap_read(&pm, 0x10000, back, 4), -EFAULT);
    assert_int_equal(dev.reads + dev.writes, 0); /* host copies never reach devices */

    /* host writes reach ROM (that is how a boot image gets there) */
    assert_int_equal(physmap_write(&pm, 0x1FC00010, buf, 16), 0);
    assert_memory_equal(rom + 0x10, buf, 16);
}

static void test_unassigned_io(void **state)
{
    (void)state;
    build_map();
    assert_int_equal(physmap_io_read(&pm, 0x3000, 4), 0);
    assert_int_equal(physmap_io_read(&pm, 0x40000000, 1), 0);
    assert_int_equal(physmap_io_read(&pm, 0xFFFFFFFC, 4), 0);
    physmap_io_write(&pm, 0x3000, 0xFFFFFFFF, 4);
    physmap_io_write(&pm, 0x1FBFFFFC, 0x12345678, 4);
    assert_int_equal(physmap_io_read(&pm, 0x3000, 4), 0);
    assert_int_equal(dev.reads + dev.writes, 0);
    /* nothing nearby changed */
    for (unsigned i = 0; i < sizeof(ram_b); i++)
        assert_int_equal(ram_b[i], 0);
    for (unsigned i = 0; i < sizeof(rom); i++)
        assert_int_equal(rom[i], 0xA5);
}

static void test_mmio_dispatch(void **state)
{
    (void)state;
    build_map();
    assert_int_equal(physmap_io_read(&pm, 0x10000, 4), 0x1000);
    assert_int_equal(dev.reads, 1);
    assert_int_equal(dev.last_off, 0);
    assert_int_equal(dev.last_size, 4);

    assert_int_equal(physmap_io_read(&pm, 0x10123, 1), 0x1123);
    assert_int_equal(dev.last_off, 0x123);
    assert_int_equal(dev.last_size, 1);

    assert_int_equal(physmap_io_read(&pm, 0x10FFE, 2), 0x1FFE);
    assert_int_equal(dev.last_off, 0xFFE);
    assert_int_equal(dev.last_size, 2);

    physmap_io_write(&pm, 0x10010, 0xCAFEF00D, 4);
    assert_int_equal(dev.writes, 1);
    assert_int_equal(dev.last_off, 0x10);
    assert_int_equal(dev.last_val, 0xCAFEF00D);
    assert_int_equal(dev.last_size, 4);

    physmap_io_write(&pm, 0x10FFF, 0x5A, 1);
    assert_int_equal(dev.writes, 2);
    assert_int_equal(dev.last_off, 0xFFF);
    assert_int_equal(dev.last_val, 0x5A);
    assert_int_equal(dev.last_size, 1);

    /* an access straddling the end of the window is not handed to the device */
    unsigned r = dev.reads, w = dev.writes;
    assert_int_equal(physmap_io_read(&pm, 0x10FFE, 4), 0);
    physmap_io_write(&pm, 0x10FFD, 1, 4);
    assert_int_equal(dev.reads, r);
    assert_int_equal(dev.writes, w);

    /* a device without a read or write handler: reads 0, writes dropped */
    static const struct mem_region_ops wo = {.write = fake_write};
    static const struct mem_region_ops ro = {.read = fake_read};
    struct fake_dev d2 = {0};
    assert_int_equal(physmap_add_mmio(&pm, "wo", 0x20000, 0x100, &wo, &d2), 0);
    assert_int_equal(physmap_add_mmio(&pm, "ro", 0x30000, 0x100, &ro, &d2), 0);
    assert_int_equal(physmap_io_read(&pm, 0x20004, 4), 0);
    physmap_io_write(&pm, 0x30004, 7, 4);
    assert_int_equal(d2.writes, 0);
}

static void test_io_on_ram(void **state)
{
    (void)state;
    build_map();
    /* the guest is little-endian like the host */
    physmap_io_write(&pm, 0x100, 0x11223344, 4);
    assert_int_equal(ram_a[0x100], 0x44);
    assert_int_equal(ram_a[0x101], 0x33);
    assert_int_equal(ram_a[0x102], 0x22);
    assert_int_equal(ram_a[0x103], 0x11);
    assert_int_equal(physmap_io_read(&pm, 0x100, 4), 0x11223344);
    assert_int_equal(physmap_io_read(&pm, 0x101, 2), 0x2233);
    assert_int_equal(physmap_io_read(&pm, 0x103, 1), 0x11);
    physmap_io_write(&pm, 0x2000, 0xBEEF, 2);
    assert_int_equal(ram_b[0], 0xEF);
    assert_int_equal(ram_b[1], 0xBE);
    assert_int_equal(ram_b[2], 0);
    physmap_io_write(&pm, 0x2008, 0x0102030405060708ull, 8);
    assert_int_equal(physmap_io_read(&pm, 0x2008, 8), 0x0102030405060708ull);
}

static void test_readonly_drops_writes(void **state)
{
    (void)state;
    build_map();
    assert_int_equal(physmap_io_read(&pm, 0x1FC00000, 4), 0xA5A5A5A5);
    physmap_io_write(&pm, 0x1FC00000, 0, 4);
    physmap_io_write(&pm, 0x1FC00FFF, 0, 1);
    physmap_io_write(&pm, 0x1FC00800, 0, 2);
    for (unsigned i = 0; i < sizeof(rom); i++)
        assert_int_equal(rom[i], 0xA5);
    assert_int_equal(physmap_io_read(&pm, 0x1FC00FFC, 4), 0xA5A5A5A5);
}

/* What the write hook saw: every host write into RAM must reach it, so translations of the bytes
 * it overwrites die (physmap_write, physmap_zero, physmap_discard, and RAM through the io path). */
struct hook_log {
    unsigned calls;
    gpa_t pa;
    uint64_t len;
};

static void log_hook(void *opaque, gpa_t pa, uint64_t len)
{
    struct hook_log *l = opaque;
    l->calls++;
    l->pa = pa;
    l->len = len;
}

static void test_write_hook_every_path(void **state)
{
    (void)state;
    build_map();
    struct hook_log log = {0};
    pm.write_hook = log_hook;
    pm.write_hook_opaque = &log;
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(physmap_write(&pm, 0x10, buf, sizeof(buf)), 0);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.pa, 0x10);
    assert_int_equal(log.len, 8);
    assert_int_equal(physmap_zero(&pm, 0x20, 0x30), 0);
    assert_int_equal(log.calls, 2);
    assert_int_equal(log.pa, 0x20);
    assert_int_equal(log.len, 0x30);
    assert_int_equal(physmap_discard(&pm, 0x0, 0x2000), 0);
    assert_int_equal(log.calls, 3);
    assert_int_equal(log.pa, 0x0);
    assert_int_equal(log.len, 0x2000);
    physmap_io_write(&pm, 0x2004, 0xAABBCCDD, 4);
    assert_int_equal(log.calls, 4);
    assert_int_equal(log.pa, 0x2004);
    assert_int_equal(log.len, 4);
    /* ROM drops the write and there is nothing to invalidate; MMIO is no RAM */
    physmap_io_write(&pm, 0x1FC00000, 0, 4);
    physmap_io_write(&pm, 0x10000, 0, 4);
    assert_int_equal(log.calls, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sorted_insert, setup),
        cmocka_unit_test_setup(test_overlap_rejected, setup),
        cmocka_unit_test_setup(test_bad_regions, setup),
        cmocka_unit_test_setup(test_find_edges, setup),
        cmocka_unit_test_setup(test_host_ranges, setup),
        cmocka_unit_test_setup(test_write_read, setup),
        cmocka_unit_test_setup(test_unassigned_io, setup),
        cmocka_unit_test_setup(test_mmio_dispatch, setup),
        cmocka_unit_test_setup(test_io_on_ram, setup),
        cmocka_unit_test_setup(test_readonly_drops_writes, setup),
        cmocka_unit_test_setup(test_write_hook_every_path, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

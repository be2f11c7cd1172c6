/*
 * Unit tests of the YAMON boot environment (devices/malta/README.md §1.3, §1.4; Linux
 * arch/mips/fw/lib/cmdline.c): the pointer table at phys 0x2000 with argv = &table[0] and
 * envp = &table[2], the name/value pairs Linux reads (memsize capped at 256 MiB, ememsize the
 * whole RAM, modetty0, a 64-digit rngseed that depends on the seed), rd_start/rd_size at the
 * front of the command line, and the initrd address QEMU 7.2 uses (its boot log shows
 * "Initial ramdisk at: 0x8fed0000" for this project's 1133030-byte initramfs in 256 MiB).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/malta/yamon.h"

#define RAM (1u << 20)

static uint8_t *ram;
static struct physmap pm;

static int setup(void **state)
{
    (void)state;
    ram = calloc(1, RAM);
    memset(&pm, 0, sizeof(pm));
    assert_int_equal(physmap_add_ram(&pm, "ram", 0, RAM, ram, false), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ram);
    return 0;
}

static uint32_t word(uint32_t pa)
{
    uint32_t w;
    memcpy(&w, ram + pa, 4);
    return w;
}

/* The string a KSEG0 pointer points to. */
static const char *str(uint32_t kseg0)
{
    assert_true(kseg0 >= 0x80000000u && kseg0 - 0x80000000u < RAM);
    return (const char *)ram + (kseg0 - 0x80000000u);
}

static void test_initrd_address(void **state)
{
    (void)state;
    /* QEMU 7.2, -m 256: 0x8fed0000 for 1133030 bytes. */
    assert_int_equal(yamon_initrd_addr(256u << 20, 1133030), 0x0FED0000u);
    /* Above 256 MiB only the low 256 MiB count. */
    assert_int_equal(yamon_initrd_addr(1024u << 20, 1133030), 0x0FED0000u);
    /* 64 KiB aligned, and it ends below the top of low RAM. */
    for (uint64_t size = 1; size < (8u << 20); size = size * 3 + 4097) {
        uint32_t a = yamon_initrd_addr(64u << 20, size);
        assert_int_equal(a & 0xFFFF, 0);
        assert_true(a + size <= (64u << 20));
        assert_true(a + size > (64u << 20) - (192u << 10)); /* high: within the 128 KiB gap + rounding */
    }
    /* Too big for RAM. */
    assert_int_equal(yamon_initrd_addr(16u << 20, 16u << 20), 0);
}

static void test_environment(void **state)
{
    (void)state;
    struct yamon_args a = {.ram_size = 512ull << 20, .cmdline = "console=ttyS0 panic=-1",
                           .initrd_phys = 0x0FED0000u, .initrd_size = 1133030, .seed = 42};
    uint32_t regs[4];
    char err[128];
    assert_int_equal(yamon_setup(&pm, &a, regs, err, sizeof(err)), 0);
    assert_int_equal(regs[0], 2);
    assert_int_equal(regs[1], 0x80002000u);
    assert_int_equal(regs[2], 0x80002008u);
    assert_int_equal(regs[3], 256u << 20);
    /* argv[0], then the command line with the initrd first. */
    assert_string_equal(str(word(0x2004)), "rd_start=0x8fed0000 rd_size=1133030 console=ttyS0 panic=-1");
    /* envp: YAMON name/value slots (the first entry has no '='), NULL-terminated. */
    const char *want[][2] = {{"memsize", "268435456"}, {"ememsize", "536870912"}, {"modetty0", "38400n8r"}};
    for (int i = 0; i < 3; i++) {
        assert_string_equal(str(word(0x2008 + 8 * i)), want[i][0]);
        assert_string_equal(str(word(0x200C + 8 * i)), want[i][1]);
    }
    assert_string_equal(str(word(0x2020)), "rngseed");
    const char *seed = str(word(0x2024));
    assert_int_equal(strlen(seed), 64);
    assert_int_equal(strspn(seed, "0123456789abcdef"), 64);
    assert_int_equal(word(0x2028), 0);
    /* Strings live in the block after the table, below 0x8000 (the reserved first MiB). */
    for (uint32_t i = 0; i < 10; i++)
        assert_true(word(0x2000 + 4 * i) >= 0x80002040u && word(0x2000 + 4 * i) < 0x80008000u);

    /* Another seed, another rngseed; no initrd, no rd_start. */
    char first[65];
    strcpy(first, seed);
    a.seed = 43;
    a.initrd_size = 0;
    assert_int_equal(yamon_setup(&pm, &a, regs, err, sizeof(err)), 0);
    assert_string_not_equal(str(word(0x2024)), first);
    assert_string_equal(str(word(0x2004)), "console=ttyS0 panic=-1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initrd_address),
        cmocka_unit_test(test_environment),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * The YAMON boot protocol a Malta kernel expects from its firmware
 * (devices/malta/README.md §1.3, §1.4; QEMU hw/mips/malta.c load_kernel;
 * Linux arch/mips/fw/lib/cmdline.c and
 * arch/mips/mti-malta/malta-dtshim.c): argc/argv/envp in a0..a2, a table
 * of 32-bit KSEG0 pointers at phys 0x2000 with the strings after it, and
 * the YAMON name/value environment (memsize, ememsize, modetty0, rngseed).
 * The initrd is announced only through "rd_start=... rd_size=..." at the
 * front of the command line. All writes go through physmap_write, the one
 * path for host writes into guest RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/malta/yamon.h"

#define ENV_TABLE 0x2000u      /* phys; the built-in DTB reserves 0-0xFFFFF, so it survives */
#define ENV_STRINGS 0x2040u
#define ENV_END 0x8000u        /* strings must end below this */
#define KSEG0(pa) (0x80000000u | (uint32_t)(pa))
#define LOW_RAM_MAX (256ull << 20)

static int put_string(struct physmap *pm, uint32_t *cursor, const char *s, uint32_t *ptr)
{
    size_t n = strlen(s) + 1;
    if (*cursor + n > ENV_END)
        return -E2BIG;
    int rc = physmap_write(pm, *cursor, s, n);
    if (rc < 0)
        return rc;
    *ptr = KSEG0(*cursor);
    *cursor = (uint32_t)((*cursor + n + 3) & ~3u);
    return 0;
}

/* splitmix64: a well-mixed byte stream from the seed for the kernel's rngseed. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t yamon_initrd_addr(uint64_t ram_size, uint64_t initrd_size)
{
    uint64_t low = ram_size < LOW_RAM_MAX ? ram_size : LOW_RAM_MAX;
    uint64_t need = initrd_size + (128u << 10);
    if (need >= low)
        return 0;
    /* QEMU's placement (QEMU hw/mips/malta.c load_kernel): 128 KiB below the top of low RAM for
     * the kernel's bootmem, rounded up to 64 KiB (INITRD_PAGE_SIZE, QEMU include/hw/mips/mips.h:
     * kernels may use 64 KiB pages). The rounding eats less than 64 KiB of the gap. */
    return (uint32_t)((low - need + 0xFFFFull) & ~0xFFFFull);
}

int yamon_setup(struct physmap *pm, const struct yamon_args *a, uint32_t regs[4], char *err, size_t errlen)
{
    uint64_t low = a->ram_size < LOW_RAM_MAX ? a->ram_size : LOW_RAM_MAX;
    char cmdline[4096], num[32], seedhex[65];
    int n;
    if (a->initrd_size)
        n = snprintf(cmdline, sizeof(cmdline), "rd_start=0x%08x rd_size=%u%s%s", KSEG0(a->initrd_phys),
                     a->initrd_size, a->cmdline && *a->cmdline ? " " : "", a->cmdline ? a->cmdline : "");
    else
        n = snprintf(cmdline, sizeof(cmdline), "%s", a->cmdline ? a->cmdline : "");
    if (n < 0 || (size_t)n >= sizeof(cmdline)) {
        snprintf(err, errlen, "kernel command line too long (at most %zu bytes)", sizeof(cmdline) - 64);
        return -E2BIG;
    }
    uint64_t s = a->seed;
    for (int i = 0; i < 4; i++) {
        uint64_t x = mix(&s);
        snprintf(seedhex + 16 * i, 17, "%016llx", (unsigned long long)x);
    }

    uint32_t table[16] = {0};
    uint32_t cur = ENV_STRINGS;
    int rc = 0;
    rc |= put_string(pm, &cur, "mvisor", &table[0]);
    rc |= put_string(pm, &cur, cmdline, &table[1]);
    rc |= put_string(pm, &cur, "memsize", &table[2]);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)low);
    rc |= put_string(pm, &cur, num, &table[3]);
    rc |= put_string(pm, &cur, "ememsize", &table[4]);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)a->ram_size);
    rc |= put_string(pm, &cur, num, &table[5]);
    rc |= put_string(pm, &cur, "modetty0", &table[6]);
    rc |= put_string(pm, &cur, "38400n8r", &table[7]);
    rc |= put_string(pm, &cur, "rngseed", &table[8]);
    rc |= put_string(pm, &cur, seedhex, &table[9]);
    table[10] = 0;
    if (rc == 0)
        rc = physmap_write(pm, ENV_TABLE, table, sizeof(table));
    if (rc < 0) {
        snprintf(err, errlen, "cannot write the boot environment into guest RAM");
        return rc < -1 ? rc : -EFAULT;
    }
    regs[0] = 2;                      /* argc: argv[0] and the command line */
    regs[1] = KSEG0(ENV_TABLE);       /* argv */
    regs[2] = KSEG0(ENV_TABLE + 8);   /* envp = &table[2] */
    regs[3] = (uint32_t)low;          /* low RAM size, as QEMU passes it */
    return 0;
}

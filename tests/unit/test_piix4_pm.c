/*
 * Unit tests of PIIX4 function 3 (power management) and function 0's configuration:
 * identity, PMBA sizing and the PM block mapping (devices/malta/README.md §7.2), the exact
 * poweroff sequence of Linux drivers/power/reset/piix4-poweroff.c (PMSTS read and written
 * back, then PMCNTRL = SUS_EN with suspend type 0), other suspend types and byte-wide
 * writes, PMSTS write-one-to-clear, the 3.579545 MHz PM timer on guest time (Intel 82371AB
 * datasheet), and the PIRQ routing and header type Linux needs from function 0 (§7.1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/malta/malta.h"

struct rig {
    struct piix4_pm pm;
    struct pci_bus bus;
    uint64_t now;
    int poweroffs, maps;
    uint16_t base;
    bool enabled;
};

static uint64_t now_ns(void *ctx)
{
    return ((struct rig *)ctx)->now;
}

static void map_io(void *ctx, uint16_t base, bool enabled)
{
    struct rig *r = ctx;
    r->maps++;
    r->base = base;
    r->enabled = enabled;
}

static void poweroff(void *ctx)
{
    ((struct rig *)ctx)->poweroffs++;
}

static void setup(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    struct dev_clock c = {.now_ns = now_ns, .ctx = r};
    piix4_pm_init(&r->pm, &c, map_io, poweroff, r);
    pci_bus_plug(&r->bus, MALTA_DEVFN_PIIX4_PM, &r->pm.pci);
}

static uint32_t cfg_rd(struct rig *r, unsigned reg)
{
    uint32_t v;
    assert_true(pci_cfg_read(&r->bus, MALTA_DEVFN_PIIX4_PM, reg, 4, &v));
    return v;
}

static void cfg_wr(struct rig *r, unsigned reg, uint32_t v)
{
    assert_true(pci_cfg_write(&r->bus, MALTA_DEVFN_PIIX4_PM, reg, v, 4));
}

static uint64_t io_rd(struct rig *r, unsigned off, unsigned size)
{
    return piix4_pm_io_ops.read(&r->pm, off, size);
}

static void io_wr(struct rig *r, unsigned off, uint64_t v, unsigned size)
{
    piix4_pm_io_ops.write(&r->pm, off, v, size);
}

static void test_identity_and_pmba(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    assert_int_equal(cfg_rd(&r, 0x00), 0x71138086u);
    assert_int_equal(cfg_rd(&r, 0x08), 0x06800003u);
    /* PMBA: an I/O base (bit 0 reads 1) for a 64-byte block. */
    assert_int_equal(cfg_rd(&r, PIIX4_PM_PMBA), 0x00000001u);
    cfg_wr(&r, PIIX4_PM_PMBA, 0xFFFFFFFFu);
    assert_int_equal(cfg_rd(&r, PIIX4_PM_PMBA), 0x0000FFC1u);
    /* Linux's Malta fixup: PMBA = 0x1000, then PMREGMISC bit 0 enables the decode. */
    cfg_wr(&r, PIIX4_PM_PMBA, 0x1000);
    assert_int_equal(cfg_rd(&r, PIIX4_PM_PMBA), 0x00001001u);
    assert_false(r.enabled);
    uint32_t misc = cfg_rd(&r, PIIX4_PM_PMREGMISC);
    cfg_wr(&r, PIIX4_PM_PMREGMISC, misc | 1);
    assert_true(r.enabled);
    assert_int_equal(r.base, 0x1000);
    cfg_wr(&r, PIIX4_PM_PMREGMISC, misc & ~1u);
    assert_false(r.enabled);
    /* The SMBus base exists (read by the PIIX4 quirk) and is unassigned. */
    assert_int_equal(cfg_rd(&r, PIIX4_PM_SMBBA), 0x00000001u);
}

static void test_linux_poweroff_sequence(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* piix4_poweroff(): clear PWRBTN_STS by writing back what PMSTS reads. */
    uint16_t sts;
    while ((sts = (uint16_t)io_rd(&r, PIIX4_PMSTS, 2)) & PIIX4_PMSTS_PWRBTN)
        io_wr(&r, PIIX4_PMSTS, sts, 2);
    assert_int_equal(r.poweroffs, 0);
    io_wr(&r, PIIX4_PMCNTRL, PIIX4_PMCNTRL_SUS_EN, 2);
    assert_int_equal(r.poweroffs, 1);
    /* SUS_EN is write-only. */
    assert_int_equal(io_rd(&r, PIIX4_PMCNTRL, 2) & PIIX4_PMCNTRL_SUS_EN, 0);
}

static void test_other_suspend_types(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* Suspend types 1-7 are not soft-off. */
    for (unsigned typ = 1; typ < 8; typ++)
        io_wr(&r, PIIX4_PMCNTRL, PIIX4_PMCNTRL_SUS_EN | typ << PIIX4_PMCNTRL_SUS_TYP_SHIFT, 2);
    assert_int_equal(r.poweroffs, 0);
    /* SUS_TYP is kept (read back), SCI_EN too; no SUS_EN, no power-off. */
    io_wr(&r, PIIX4_PMCNTRL, 0x0001 | 5u << PIIX4_PMCNTRL_SUS_TYP_SHIFT, 2);
    assert_int_equal(io_rd(&r, PIIX4_PMCNTRL, 2), 0x1401);
    assert_int_equal(r.poweroffs, 0);
    /* Back to type 0, and a byte write of the high half sets SUS_EN: soft-off. */
    io_wr(&r, PIIX4_PMCNTRL, 0, 2);
    io_wr(&r, PIIX4_PMCNTRL + 1, 0x20, 1);
    assert_int_equal(r.poweroffs, 1);
    /* A 32-bit write at PMCNTRL covers PMCNTRL and the reserved word after it. */
    io_wr(&r, PIIX4_PMCNTRL, 0x00002000, 4);
    assert_int_equal(r.poweroffs, 2);
}

static void test_pmsts_w1c(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    r.pm.pmsts = 0x8121; /* WAK, PWRBTN, GBL, TMROF */
    assert_int_equal(io_rd(&r, PIIX4_PMSTS, 2), 0x8121);
    io_wr(&r, PIIX4_PMSTS, 0x0100, 2);
    assert_int_equal(io_rd(&r, PIIX4_PMSTS, 2), 0x8021);
    io_wr(&r, PIIX4_PMSTS, 0x0000, 2); /* writing 0 changes nothing */
    assert_int_equal(io_rd(&r, PIIX4_PMSTS, 2), 0x8021);
    io_wr(&r, PIIX4_PMSTS, 0xFFFF, 2);
    assert_int_equal(io_rd(&r, PIIX4_PMSTS, 2), 0);
    /* Plain registers of the block keep what is written; PMEN only its defined bits. */
    io_wr(&r, 0x10, 0xA5, 1);
    assert_int_equal(io_rd(&r, 0x10, 1), 0xA5);
    io_wr(&r, PIIX4_PMEN, 0xFFFF, 2);
    assert_int_equal(io_rd(&r, PIIX4_PMEN, 2), 0x0521);
}

static void test_pm_timer(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    r.now = 0;
    assert_int_equal(io_rd(&r, PIIX4_PMTMR, 4), 0);
    r.now = 1000000000ull; /* one second: 3579545 ticks */
    assert_int_equal(io_rd(&r, PIIX4_PMTMR, 4), 3579545u);
    /* 24 bits: wraps after 2^24 ticks (about 4.69 s). */
    r.now = 5000000000ull;
    assert_int_equal(io_rd(&r, PIIX4_PMTMR, 4), (5ull * 3579545u) & 0xFFFFFF);
    /* Read-only. */
    io_wr(&r, PIIX4_PMTMR, 0, 4);
    assert_int_equal(io_rd(&r, PIIX4_PMTMR, 4), (5ull * 3579545u) & 0xFFFFFF);
}

static void test_function0(void **state)
{
    (void)state;
    struct piix4 p;
    struct pci_bus bus;
    memset(&bus, 0, sizeof(bus));
    piix4_init(&p, NULL, NULL);
    pci_bus_plug(&bus, MALTA_DEVFN_PIIX4_ISA, &p.isa);
    pci_bus_plug(&bus, MALTA_DEVFN_PIIX4_IDE, &p.ide);
    uint32_t v;
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, 0, 4, &v));
    assert_int_equal(v, 0x71108086u);
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, 0x08, 4, &v));
    assert_int_equal(v, 0x06010000u);
    /* Header type 0x80: multi-function, or functions 1-7 are never scanned. */
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, PCI_HEADER_TYPE, 1, &v));
    assert_int_equal(v, 0x80);
    /* PIRQ A..D routed to IRQ 10, 10, 11, 11. */
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, PIIX4_PIRQRC, 4, &v));
    assert_int_equal(v, 0x0B0B0A0Au);
    /* Linux ORs 0xF0 into TOM, 0xC0 into SERIRQC, 0x07 into DLC, bit 16 into GENCFG. */
    static const struct { unsigned reg, size; uint32_t or_bits; } rmw[] = {
        {PIIX4_TOM, 1, 0xF0}, {PIIX4_SERIRQC, 1, 0xC0}, {PIIX4_DLC, 1, 0x07}, {PIIX4_GENCFG, 4, 1u << 16},
    };
    for (unsigned i = 0; i < 4; i++) {
        uint32_t old;
        assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, rmw[i].reg, rmw[i].size, &old));
        assert_true(pci_cfg_write(&bus, MALTA_DEVFN_PIIX4_ISA, rmw[i].reg, old | rmw[i].or_bits, rmw[i].size));
        assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_ISA, rmw[i].reg, rmw[i].size, &v));
        assert_int_equal(v, old | rmw[i].or_bits);
    }
    /* The IDE function: 8086:7111, legacy-mode IDE, a 16-byte I/O BAR4. */
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_IDE, 0, 4, &v));
    assert_int_equal(v, 0x71118086u);
    assert_true(pci_cfg_write(&bus, MALTA_DEVFN_PIIX4_IDE, 0x20, 0xFFFFFFFFu, 4));
    assert_true(pci_cfg_read(&bus, MALTA_DEVFN_PIIX4_IDE, 0x20, 4, &v));
    assert_int_equal(v, 0x0000FFF1u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_and_pmba),
        cmocka_unit_test(test_linux_poweroff_sequence),
        cmocka_unit_test(test_other_suspend_types),
        cmocka_unit_test(test_pmsts_w1c),
        cmocka_unit_test(test_pm_timer),
        cmocka_unit_test(test_function0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The Galileo GT-64120 system controller of the Malta Core LV card: its
 * register file, the PCI configuration mechanism (CFGADDR/CFGDATA) and the
 * PCI interrupt-acknowledge register (Linux arch/mips/pci/ops-gt64xxx_pci0.c,
 * arch/mips/mti-malta/malta-int.c; devices/malta/README.md §6).
 *
 * The chip comes up the way YAMON (or QEMU's boot stub, QEMU
 * hw/mips/malta.c write_bootloader) leaves it: registers at 0x1BE00000,
 * PCI I/O at 0x18000000, MEM0 at 0x10000000, MEM1 at 0x18200000. The
 * decode registers are kept as storage; the board maps the windows at
 * those fixed places, since Linux reads them but never moves them.
 *
 * A configuration access to a function nobody implements is a master
 * abort: data reads all-ones and INTRCAUSE bit 18 is set, which is how
 * Linux tells absent devices apart. A read of PCI0_IACK is a complete INTA
 * cycle on the i8259 pair: the highest-priority request moves to in-service
 * and its vector comes back in the low byte.
 */
#include <string.h>

#include "devices/malta/malta.h"

#define REG(gt, off) ((gt)->regs[(off) >> 2])

/* The address in CFGADDR: bus 23:16, device 15:11, function 10:8, register 7:2. */
static bool gt_cfg_target(const struct gt64120 *gt, unsigned *devfn, unsigned *reg)
{
    uint32_t a = REG(gt, GT_PCI0_CFGADDR);
    if (!(a & GT_CFGADDR_ENABLE) || ((a >> 16) & 0xFF) != 0)
        return false; /* only bus 0 exists */
    *devfn = (a >> 8) & 0xFF;
    *reg = a & 0xFC;
    return true;
}

static uint32_t gt_cfg_read(struct gt64120 *gt, unsigned byte, unsigned size)
{
    unsigned devfn, reg;
    uint32_t v;
    if (gt_cfg_target(gt, &devfn, &reg) && pci_cfg_read(gt->bus, devfn, reg + byte, size, &v))
        return v;
    REG(gt, GT_INTRCAUSE) |= GT_INTRCAUSE_MASABORT0;
    gt->master_aborts++;
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void gt_cfg_write(struct gt64120 *gt, unsigned byte, uint32_t val, unsigned size)
{
    unsigned devfn, reg;
    if (gt_cfg_target(gt, &devfn, &reg) && pci_cfg_write(gt->bus, devfn, reg + byte, val, size))
        return;
    REG(gt, GT_INTRCAUSE) |= GT_INTRCAUSE_MASABORT0;
    gt->master_aborts++;
}

static uint64_t gt_read(void *opaque, uint64_t off, unsigned size)
{
    struct gt64120 *gt = opaque;
    unsigned word = (unsigned)off & ~3u, byte = (unsigned)off & 3u;
    if (size > 4 || byte + size > 4)
        return 0;
    uint32_t v;
    switch (word) {
    case GT_PCI0_CFGDATA:
        return gt_cfg_read(gt, byte, size);
    case GT_PCI0_IACK:
        v = gt->iack ? gt->iack(gt->iack_ctx) : 0;
        break;
    default:
        v = REG(gt, word);
        break;
    }
    v >>= 8 * byte;
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void gt_write(void *opaque, uint64_t off, uint64_t val64, unsigned size)
{
    struct gt64120 *gt = opaque;
    unsigned word = (unsigned)off & ~3u, byte = (unsigned)off & 3u;
    if (size > 4 || byte + size > 4)
        return;
    if (word == GT_PCI0_CFGDATA) {
        gt_cfg_write(gt, byte, (uint32_t)val64, size);
        return;
    }
    /* Merge a narrow write into the register it lands in. */
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1) << (8 * byte);
    uint32_t val = ((uint32_t)val64 << (8 * byte)) & mask;
    uint32_t *r = &REG(gt, word);
    switch (word) {
    case GT_INTRCAUSE:
        /* Writing 0 clears a cause bit, writing 1 leaves it (GT-64120 datasheet, "Interrupt
         * Cause"): Linux writes ~(bits 18|19) before every configuration cycle. */
        *r &= val | ~mask;
        break;
    case GT_PCI0_IACK:
        break; /* read-only */
    case GT_PCI0_CFGADDR:
        *r = (*r & ~mask) | (val & 0x80FFFFFCu);
        break;
    default:
        *r = (*r & ~mask) | val;
        break;
    }
}

const struct mem_region_ops gt64120_ops = {
    .read = gt_read,
    .write = gt_write,
};

void gt64120_reset(struct gt64120 *gt)
{
    memset(gt->regs, 0, sizeof(gt->regs));
    /* Little-endian CPU interface (bit 12), as the Malta's LE jumper sets it. */
    REG(gt, GT_CPU) = 1u << 12;
    /* Decode registers hold phys >> 21 (Linux asm/gt64120.h GT_PCI_DCRM_SHF); the windows are
     * the firmware's (QEMU hw/mips/malta.c write_bootloader, "as done by YAMON"). */
    REG(gt, GT_PCI0IOLD) = MALTA_PCI_IO_BASE >> 21;
    REG(gt, GT_PCI0IOHD) = ((MALTA_PCI_IO_BASE + MALTA_PCI_IO_SIZE - 1) >> 21) & 0x7F;
    REG(gt, GT_PCI0M0LD) = MALTA_PCI_MEM0_BASE >> 21;
    REG(gt, GT_PCI0M0HD) = ((MALTA_PCI_MEM0_BASE + MALTA_PCI_MEM0_SIZE - 1) >> 21) & 0x7F;
    REG(gt, GT_PCI0M1LD) = MALTA_PCI_MEM1_BASE >> 21;
    REG(gt, GT_PCI0M1HD) = ((MALTA_PCI_MEM1_BASE + MALTA_PCI_MEM1_SIZE - 1) >> 21) & 0x7F;
    REG(gt, GT_ISD) = MALTA_GT_BASE >> 21;
    /* I/O remap as QEMU's firmware leaves it (a copy of LD); Linux rewrites it so that PCI
     * I/O addresses are offsets into the window. Memory windows map bus address = phys. */
    REG(gt, GT_PCI0IOREMAP) = REG(gt, GT_PCI0IOLD);
    REG(gt, GT_PCI0M0REMAP) = REG(gt, GT_PCI0M0LD);
    REG(gt, GT_PCI0M1REMAP) = REG(gt, GT_PCI0M1LD);
    /* Master and slave byte swap on a little-endian system (QEMU hw/pci-host/gt64120.c reset). */
    REG(gt, GT_PCI0_CMD) = 0x00010001u;

    /* The bridge as PCI function 00.0: Marvell 11AB:4620, host bridge, revision 0x10, status
     * fast back-to-back + medium DEVSEL (0x0280). Its BARs are not implemented (read 0), so
     * Linux skips them without complaint (devices/malta/README.md §6.3). */
    pci_func_init(&gt->pci, 0x11AB, 0x4620, 0x060000, 0x10, 0);
    pci_set16(&gt->pci, PCI_STATUS, 0x0280, 0);
}

void gt64120_init(struct gt64120 *gt, struct pci_bus *bus, uint8_t (*iack)(void *ctx), void *iack_ctx)
{
    memset(gt, 0, sizeof(*gt));
    gt->bus = bus;
    gt->iack = iack;
    gt->iack_ctx = iack_ctx;
    gt64120_reset(gt);
}

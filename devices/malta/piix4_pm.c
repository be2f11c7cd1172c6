/*
 * PIIX4 function 3, power management: the configuration registers that
 * place the PM I/O block (PMBA, PMREGMISC) and the block itself, through
 * which Linux powers the board off (Linux drivers/power/reset/piix4-poweroff.c;
 * devices/malta/README.md §7.2, §7.3; Intel 82371AB datasheet, "Power Management
 * Registers").
 *
 * Power-off is a write to PMCNTRL with SUS_EN (bit 13) set and suspend type
 * 0 (soft off); SUS_EN itself is write-only. PMSTS bits are cleared by
 * writing 1. PMTMR is the free-running 24-bit ACPI timer at 3.579545 MHz on
 * guest time. The remaining registers of the block are plain storage.
 */
#include <string.h>

#include "devices/malta/malta.h"

#define PMSTS_W1C 0x8D31u /* TMROF, BM, GBL, PWRBTN, RTC, ..., WAK status bits */
#define PMEN_MASK 0x0521u
#define PMCNTRL_STORED 0x1C07u /* SCI_EN, BRLD_EN_BM, GBL_RLS, SUS_TYP */

static void pm_update_mapping(struct piix4_pm *pm)
{
    uint16_t base = pci_get16(&pm->pci, PIIX4_PM_PMBA) & 0xFFC0;
    bool on = pm->pci.cfg[PIIX4_PM_PMREGMISC] & 1;
    if (pm->map_io)
        pm->map_io(pm->ctx, base, on);
}

static void pm_cfg_written(void *opaque, unsigned reg, unsigned size)
{
    struct piix4_pm *pm = opaque;
    bool pmba = reg < PIIX4_PM_PMBA + 4 && reg + size > PIIX4_PM_PMBA;
    bool misc = reg <= PIIX4_PM_PMREGMISC && reg + size > PIIX4_PM_PMREGMISC;
    if (pmba || misc)
        pm_update_mapping(pm);
}

static uint32_t pm_timer(const struct piix4_pm *pm)
{
    uint64_t ns = dev_now_ns(&pm->clock);
    return (uint32_t)((unsigned __int128)ns * PIIX4_PMTMR_HZ / 1000000000u) & 0xFFFFFFu;
}

static uint16_t pm_read16(struct piix4_pm *pm, unsigned reg)
{
    switch (reg) {
    case PIIX4_PMSTS: return pm->pmsts;
    case PIIX4_PMEN: return pm->pmen;
    case PIIX4_PMCNTRL: return pm->pmcntrl; /* SUS_EN reads 0 */
    case PIIX4_PMTMR: return (uint16_t)pm_timer(pm);
    case PIIX4_PMTMR + 2: return (uint16_t)(pm_timer(pm) >> 16);
    default: return (uint16_t)(pm->regs[reg] | pm->regs[reg + 1] << 8);
    }
}

static void pm_write16(struct piix4_pm *pm, unsigned reg, uint16_t val, uint16_t mask)
{
    switch (reg) {
    case PIIX4_PMSTS:
        pm->pmsts &= (uint16_t)~(val & mask & PMSTS_W1C);
        break;
    case PIIX4_PMEN:
        pm->pmen = (uint16_t)((pm->pmen & ~mask) | (val & mask & PMEN_MASK));
        break;
    case PIIX4_PMCNTRL: {
        uint16_t v = (uint16_t)((pm->pmcntrl & ~mask) | (val & mask));
        pm->pmcntrl = v & PMCNTRL_STORED;
        if ((mask & PIIX4_PMCNTRL_SUS_EN) && (v & PIIX4_PMCNTRL_SUS_EN) &&
            (v & PIIX4_PMCNTRL_SUS_TYP_MASK) >> PIIX4_PMCNTRL_SUS_TYP_SHIFT == 0 && pm->poweroff)
            pm->poweroff(pm->ctx);
        break;
    }
    case PIIX4_PMTMR:
    case PIIX4_PMTMR + 2:
        break; /* read-only */
    default:
        if (mask & 0xFF)
            pm->regs[reg] = (uint8_t)val;
        if (mask & 0xFF00)
            pm->regs[reg + 1] = (uint8_t)(val >> 8);
        break;
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned b = (unsigned)off + i;
        if (b >= PIIX4_PM_IO_SIZE)
            break;
        v |= (uint64_t)((pm_read16(pm, b & ~1u) >> (8 * (b & 1))) & 0xFF) << (8 * i);
    }
    return v;
}

static void pm_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4_pm *pm = opaque;
    /* Split into 16-bit registers; a 32-bit write is two of them, each with its own mask. */
    for (unsigned i = 0; i < size;) {
        unsigned b = (unsigned)off + i;
        if (b >= PIIX4_PM_IO_SIZE)
            break;
        unsigned reg = b & ~1u;
        uint16_t v = 0, mask = 0;
        for (unsigned k = b & 1; k < 2 && i < size; k++, i++) {
            v |= (uint16_t)(((val >> (8 * i)) & 0xFF) << (8 * k));
            mask |= (uint16_t)(0xFF << (8 * k));
        }
        pm_write16(pm, reg, v, mask);
    }
}

const struct mem_region_ops piix4_pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
};

void piix4_pm_reset(struct piix4_pm *pm)
{
    struct pci_func *f = &pm->pci;
    /* 8086:7113, "other bridge", revision 3 (QEMU hw/acpi/piix4.c). */
    pci_func_init(f, 0x8086, 0x7113, 0x068000, 0x03, 0);
    pci_set16(f, PCI_STATUS, 0x0280, 0);
    pci_set8(f, PCI_INTERRUPT_PIN, 0x01, 0);
    /* PMBA: I/O space indicator bit 0 reads 1, base in bits 15:6. SMBBA likewise (bits 15:4). */
    pci_set32(f, PIIX4_PM_PMBA, 0x00000001, 0x0000FFC0);
    pci_set32(f, PIIX4_PM_SMBBA, 0x00000001, 0x0000FFF0);
    pci_set8(f, PIIX4_PM_PMREGMISC, 0x00, 0x01);
    /* Device activity and resource registers the Linux PIIX4 quirk reads: storage. */
    for (unsigned r = 0x44; r < 0x80; r++)
        if (r < PIIX4_PM_PMBA || r >= PIIX4_PM_PMBA + 4)
            pci_set8(f, r, 0, 0xFF);
    pci_set8(f, 0xD2, 0x00, 0x0F); /* SMBHSTCFG */
    f->written = pm_cfg_written;
    f->opaque = pm;
    pm->pmsts = pm->pmen = pm->pmcntrl = 0;
    memset(pm->regs, 0, sizeof(pm->regs));
    pm_update_mapping(pm);
}

void piix4_pm_init(struct piix4_pm *pm, const struct dev_clock *clock,
                   void (*map_io)(void *ctx, uint16_t base, bool enabled), void (*poweroff)(void *ctx),
                   void *ctx)
{
    memset(pm, 0, sizeof(*pm));
    pm->clock = *clock;
    pm->map_io = map_io;
    pm->poweroff = poweroff;
    pm->ctx = ctx;
    piix4_pm_reset(pm);
}

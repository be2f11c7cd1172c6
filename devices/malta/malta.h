/*
 * devices/ internal: the Malta-specific chips (GT-64120 system controller,
 * the PIIX4's PCI functions, the FPGA board registers) and the board that
 * wires them with the PC-legacy chips. Only devices/malta/board.c puts them
 * together; the rest of mvisor sees the board through devices/devices.h.
 */
#ifndef MVISOR_MALTA_H
#define MVISOR_MALTA_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/devices.h"
#include "devices/pc_devices.h"

/* ---- physical address map (README.md §3 here; QEMU hw/mips/malta.c) ---- */

#define MALTA_LOW_RAM_MAX (256ull << 20)   /* RAM visible at phys 0 */
#define MALTA_HIGH_RAM_BASE MALTA_RAM_ALL_BASE /* all of RAM again, reachable through the TLB */
#define MALTA_PCI_MEM0_BASE 0x10000000u
#define MALTA_PCI_MEM0_SIZE 0x08000000u
#define MALTA_PCI_IO_BASE 0x18000000u
#define MALTA_PCI_IO_SIZE 0x00200000u
#define MALTA_PCI_MEM1_BASE 0x18200000u
#define MALTA_PCI_MEM1_SIZE 0x03C00000u
#define MALTA_GT_BASE 0x1BE00000u
#define MALTA_GT_SIZE 0x1000u
#define MALTA_FLASH_BASE 0x1E000000u
#define MALTA_FLASH_SIZE 0x00400000u
#define MALTA_FPGA_BASE 0x1F000000u
#define MALTA_FPGA_SIZE 0x900u            /* registers below the CBUS UART */
#define MALTA_CBUS_UART_BASE 0x1F000900u
#define MALTA_CBUS_UART_SIZE 0x40u
#define MALTA_BOOT_BASE 0x1FC00000u        /* the boot window mirrors the monitor flash */
#define MALTA_REVISION_OFFSET 0x10u        /* board revision register, read by prom_init */
/* CORID 1 (Core LV, bits 15:10), SCONID 0: Linux infers a GT-64120 (Linux
 * arch/mips/mti-malta/malta-init.c prom_init; QEMU hw/mips/malta.c writes the same 0x420). */
#define MALTA_REVISION 0x00000420u

/* CPU interrupt lines (Cause.IP2 + n). */
#define MALTA_CPU_IRQ_I8259 0 /* IP2 */
#define MALTA_CPU_IRQ_CBUS 2  /* IP4 */

/* PCI device/function numbers on bus 0. */
#define MALTA_DEVFN_GT 0x00
#define MALTA_DEVFN_PIIX4_ISA ((10 << 3) | 0)
#define MALTA_DEVFN_PIIX4_IDE ((10 << 3) | 1)
#define MALTA_DEVFN_PIIX4_PM ((10 << 3) | 3)

/* ---- GT-64120 system controller and PCI host bridge -------------------- */

/* Register offsets (Galileo GT-64120 datasheet; Linux arch/mips/include/asm/gt64120.h). */
#define GT_CPU 0x000
#define GT_PCI0IOLD 0x048
#define GT_PCI0IOHD 0x050
#define GT_PCI0M0LD 0x058
#define GT_PCI0M0HD 0x060
#define GT_ISD 0x068
#define GT_CPUERR_ADDRLO 0x070
#define GT_CPUERR_ADDRHI 0x078
#define GT_PCI0M1LD 0x080
#define GT_PCI0M1HD 0x088
#define GT_PCI0IOREMAP 0x0F0
#define GT_PCI0M0REMAP 0x0F8
#define GT_PCI0M1REMAP 0x100
#define GT_PCI0_CMD 0xC00
#define GT_INTRCAUSE 0xC18
#define GT_INTRMASK 0xC1C
#define GT_PCI0_IACK 0xC34
#define GT_PCI0_CFGADDR 0xCF8
#define GT_PCI0_CFGDATA 0xCFC
#define GT_INTRCAUSE_MASABORT0 (1u << 18)
#define GT_INTRCAUSE_TARABORT0 (1u << 19)
#define GT_CFGADDR_ENABLE 0x80000000u

struct gt64120 {
    uint32_t regs[MALTA_GT_SIZE / 4];
    struct pci_func pci;  /* the bridge's own function, 00.0 */
    struct pci_bus *bus;
    /* The PCI interrupt-acknowledge cycle: an INTA on the i8259 pair, returning the vector. */
    uint8_t (*iack)(void *ctx);
    void *iack_ctx;
    uint64_t master_aborts;
};

void gt64120_init(struct gt64120 *gt, struct pci_bus *bus, uint8_t (*iack)(void *ctx), void *iack_ctx);
/* The state the boot firmware leaves: registers at 0x1BE00000, PCI windows programmed. */
void gt64120_reset(struct gt64120 *gt);
extern const struct mem_region_ops gt64120_ops;

/* ---- PIIX4 function 0 (PCI-to-ISA bridge) and function 1 (IDE) ----------- */

#define PIIX4_PIRQRC 0x60 /* PIRQ A..D route control, 0x60-0x63 */
#define PIIX4_SERIRQC 0x64
#define PIIX4_TOM 0x69
#define PIIX4_DLC 0x82
#define PIIX4_GENCFG 0xB0
#define PIIX4_RCR_PORT 0xCF9 /* reset control register (I/O) */
#define PIIX4_RCR_SYS_RST 0x02
#define PIIX4_RCR_RST_CPU 0x04

struct piix4 {
    struct pci_func isa;
    struct pci_func ide;
    uint8_t rcr;
    void (*reset_request)(void *ctx);
    void *ctx;
};

void piix4_init(struct piix4 *p, void (*reset_request)(void *ctx), void *ctx);
void piix4_reset(struct piix4 *p);
/* The reset control register at port 0xCF9; opaque is the struct piix4. */
extern const struct mem_region_ops piix4_rcr_ops;

/* ---- PIIX4 function 3 (power management) ------------------------------- */

#define PIIX4_PM_PMBA 0x40      /* config: PM I/O base (bits 15:6) */
#define PIIX4_PM_PMREGMISC 0x80 /* config: bit 0 enables the PM I/O space */
#define PIIX4_PM_SMBBA 0x90     /* config: SMBus I/O base */
#define PIIX4_PM_IO_SIZE 64
#define PIIX4_PMSTS 0x00
#define PIIX4_PMEN 0x02
#define PIIX4_PMCNTRL 0x04
#define PIIX4_PMTMR 0x08
#define PIIX4_PMSTS_PWRBTN 0x0100
#define PIIX4_PMCNTRL_SUS_EN 0x2000
#define PIIX4_PMCNTRL_SUS_TYP_SHIFT 10
#define PIIX4_PMCNTRL_SUS_TYP_MASK 0x1C00
#define PIIX4_PMTMR_HZ 3579545u /* the ACPI PM timer clock */

struct piix4_pm {
    struct pci_func pci;
    uint16_t pmsts, pmen, pmcntrl;
    uint8_t regs[PIIX4_PM_IO_SIZE]; /* the other PM registers: storage */
    struct dev_clock clock;
    /* Where PMBA points the register block (the board moves a bus range). */
    void (*map_io)(void *ctx, uint16_t base, bool enabled);
    void (*poweroff)(void *ctx);
    void *ctx;
};

void piix4_pm_init(struct piix4_pm *pm, const struct dev_clock *clock,
                   void (*map_io)(void *ctx, uint16_t base, bool enabled), void (*poweroff)(void *ctx),
                   void *ctx);
void piix4_pm_reset(struct piix4_pm *pm);
/* The PM register block at PMBA; opaque is the struct piix4_pm. */
extern const struct mem_region_ops piix4_pm_io_ops;

/* ---- FPGA board registers ---------------------------------------------- */

#define FPGA_SWITCH 0x200
#define FPGA_STATUS 0x208
#define FPGA_JMPRS 0x210
#define FPGA_LEDBAR 0x408
#define FPGA_ASCIIWORD 0x410
#define FPGA_ASCIIPOS0 0x418 /* ASCIIPOS0..7 at a stride of 8 */
#define FPGA_SOFTRES 0x500
#define FPGA_BRKRES 0x508
#define FPGA_SOFTRES_RESET 0x42
#define FPGA_DISPLAY_LEN 8

struct malta_fpga {
    uint8_t leds;
    uint32_t asciiword;
    char ascii[FPGA_DISPLAY_LEN];
    uint32_t brkres;
    void (*reset_request)(void *ctx);
    void *ctx;
};

void malta_fpga_init(struct malta_fpga *f, void (*reset_request)(void *ctx), void *ctx);
void malta_fpga_reset(struct malta_fpga *f);
/* The eight-character display as text ("        " when blank). */
void malta_fpga_display(const struct malta_fpga *f, char out[FPGA_DISPLAY_LEN + 1]);
extern const struct mem_region_ops malta_fpga_ops;

#endif

/*
 * The Intel PIIX4 south bridge, functions 0 (PCI-to-ISA bridge) and 1
 * (IDE), as Linux's Malta code sees them (Linux arch/mips/pci/fixup-malta.c,
 * drivers/pci/quirks.c; devices/malta/README.md §6.3, §7.1). The ISA chips behind
 * function 0 (i8259 pair, i8254, RTC) are separate devices wired by the
 * board; what is left here is configuration space.
 *
 * Function 0 must say it is multi-function (header type 0x80) or Linux never
 * scans functions 1-7, and its PIRQ route registers must hold YAMON's
 * routing (A/B to IRQ 10, C/D to IRQ 11): Linux only reads them. The IDE
 * function exists so the bus enumerates as on a real Malta; nothing sits
 * behind its BAR, and ata_piix is a module this kernel does not load.
 *
 * The reset control register at port 0xCF9 is implemented for guests that
 * reboot through it (Intel 82371AB datasheet, "RC - Reset Control").
 */
#include <string.h>

#include "devices/malta/malta.h"

static uint64_t piix4_rcr_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off;
    (void)size;
    return ((struct piix4 *)opaque)->rcr;
}

static void piix4_rcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix4 *p = opaque;
    (void)off;
    (void)size;
    /* A 0->1 transition of RST_CPU resets; SYS_RST selects a hard reset, which for a virtual
     * board is the same thing. */
    bool go = (val & PIIX4_RCR_RST_CPU) && !(p->rcr & PIIX4_RCR_RST_CPU);
    p->rcr = (uint8_t)(val & PIIX4_RCR_SYS_RST);
    if (go && p->reset_request)
        p->reset_request(p->ctx);
}

const struct mem_region_ops piix4_rcr_ops = {
    .read = piix4_rcr_read,
    .write = piix4_rcr_write,
};

void piix4_reset(struct piix4 *p)
{
    struct pci_func *f = &p->isa;
    /* 8086:7110, ISA bridge, multi-function. */
    pci_func_init(f, 0x8086, 0x7110, 0x060100, 0x00, PCI_HEADER_MULTI);
    /* Command: I/O, memory, bus master and special cycles (Linux sets bit 3); the bridge
     * always decodes, so it resets enabled. Status: medium DEVSEL. */
    pci_set16(f, PCI_COMMAND, 0x0007, 0x000F);
    pci_set16(f, PCI_STATUS, 0x0200, 0);
    /* PIRQ A..D -> IRQ 10, 10, 11, 11 (YAMON's setting; QEMU hw/isa/piix.c reset values). */
    static const uint8_t pirq[4] = {0x0A, 0x0A, 0x0B, 0x0B};
    for (unsigned i = 0; i < 4; i++)
        pci_set8(f, PIIX4_PIRQRC + i, pirq[i], 0x8F);
    pci_set8(f, PIIX4_SERIRQC, 0x10, 0xFF);
    pci_set8(f, PIIX4_TOM, 0x02, 0xFF);
    pci_set8(f, PIIX4_DLC, 0x00, 0x0F);
    pci_set32(f, PIIX4_GENCFG, 0x00000000, 0xFFFFFFFFu);
    /* ISA I/O recovery and X-bus chip select (0x4C, 0x4E): datasheet reset values. */
    pci_set8(f, 0x4C, 0x4D, 0xFF);
    pci_set16(f, 0x4E, 0x0003, 0xFFFF);

    /* Function 1: 8086:7111, IDE controller in legacy mode (prog-if 0x80, bus master). BAR4 is
     * the 16-byte bus-master block; BARs 0-3 read 0, so Linux pins them to the legacy ports. */
    f = &p->ide;
    pci_func_init(f, 0x8086, 0x7111, 0x010180, 0x00, 0);
    pci_set16(f, PCI_STATUS, 0x0280, 0);
    pci_set32(f, PCI_BAR0 + 16, 0x00000001, 0x0000FFF0);
    /* IDE timing (0x40-0x43): Linux sets the decode-enable bits 15 of each word. */
    pci_set16(f, 0x40, 0x0000, 0xFFFF);
    pci_set16(f, 0x42, 0x0000, 0xFFFF);
    p->rcr = 0;
}

void piix4_init(struct piix4 *p, void (*reset_request)(void *ctx), void *ctx)
{
    memset(p, 0, sizeof(*p));
    p->reset_request = reset_request;
    p->ctx = ctx;
    piix4_reset(p);
}

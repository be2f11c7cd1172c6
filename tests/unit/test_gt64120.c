/*
 * Unit tests of the GT-64120 model: the post-firmware register values Linux reads
 * (QEMU hw/mips/malta.c write_bootloader; devices/malta/README.md §6), the PCI
 * configuration mechanism as Linux's ops-gt64xxx_pci0.c drives it (INTRCAUSE cleared
 * with 0xFFF3FFFF, CFGADDR, CFGDATA, master-abort bit 18 for absent functions), narrow
 * accesses, and the interrupt acknowledge register as an INTA on the real i8259 pair
 * (devices/malta/README.md §4.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/malta/malta.h"

struct rig {
    struct gt64120 gt;
    struct pci_bus bus;
    struct pci_func f; /* a test function at 00:0b.0 */
    struct i8259 pic;
    int ip2;
};

static void ip2_set(void *opaque, int n, int level)
{
    (void)n;
    ((struct rig *)opaque)->ip2 = level;
}

static uint8_t iack(void *ctx)
{
    return i8259_inta(ctx);
}

static void setup(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    i8259_init(&r->pic, (struct irq_line){.set = ip2_set, .opaque = r, .n = 0});
    gt64120_init(&r->gt, &r->bus, iack, &r->pic);
    pci_bus_plug(&r->bus, MALTA_DEVFN_GT, &r->gt.pci);
    pci_func_init(&r->f, 0x1234, 0x5678, 0x020000, 0x07, 0);
    pci_set8(&r->f, PCI_INTERRUPT_PIN, 1, 0);
    pci_bus_plug(&r->bus, (11 << 3) | 0, &r->f);
}

static uint32_t rd(struct rig *r, unsigned off)
{
    return (uint32_t)gt64120_ops.read(&r->gt, off, 4);
}

static void wr(struct rig *r, unsigned off, uint32_t v)
{
    gt64120_ops.write(&r->gt, off, v, 4);
}

/* gt64xxx_pci0_pcibios_config_access(): returns -1 on a master or target abort. */
static int cfg_access(struct rig *r, unsigned bus, unsigned devfn, unsigned reg, bool write, uint32_t *data)
{
    wr(r, GT_INTRCAUSE, ~(GT_INTRCAUSE_MASABORT0 | GT_INTRCAUSE_TARABORT0));
    wr(r, GT_PCI0_CFGADDR, GT_CFGADDR_ENABLE | bus << 16 | devfn << 8 | (reg & 0xFC));
    if (write)
        wr(r, GT_PCI0_CFGDATA, *data);
    else
        *data = rd(r, GT_PCI0_CFGDATA);
    uint32_t intr = rd(r, GT_INTRCAUSE);
    if (intr & (GT_INTRCAUSE_MASABORT0 | GT_INTRCAUSE_TARABORT0)) {
        wr(r, GT_INTRCAUSE, ~(GT_INTRCAUSE_MASABORT0 | GT_INTRCAUSE_TARABORT0));
        return -1;
    }
    return 0;
}

static void test_post_firmware_registers(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    assert_int_equal(rd(&r, GT_PCI0IOLD), 0xC0);
    assert_int_equal(rd(&r, GT_PCI0IOHD), 0x40);
    assert_int_equal(rd(&r, GT_PCI0M0LD), 0x80);
    assert_int_equal(rd(&r, GT_PCI0M0HD), 0x3F);
    assert_int_equal(rd(&r, GT_PCI0M1LD), 0xC1);
    assert_int_equal(rd(&r, GT_PCI0M1HD), 0x5E);
    assert_int_equal(rd(&r, GT_ISD), 0xDF);
    assert_int_equal(rd(&r, GT_PCI0IOREMAP), 0xC0);
    assert_int_equal(rd(&r, GT_PCI0M0REMAP), 0x80);
    assert_int_equal(rd(&r, GT_PCI0M1REMAP), 0xC1);
    assert_int_equal(rd(&r, GT_CPU) & (1u << 12), 1u << 12); /* little-endian interface */
    /* Linux rewrites IOREMAP = REMAP & ~LD (= 0); plain registers keep what is written. */
    wr(&r, GT_PCI0IOREMAP, 0);
    assert_int_equal(rd(&r, GT_PCI0IOREMAP), 0);
    wr(&r, GT_PCI0_CMD, 0x00010001);
    assert_int_equal(rd(&r, GT_PCI0_CMD), 0x00010001);
}

static void test_config_cycles(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    uint32_t v;
    /* The bridge itself: 11AB:4620, host bridge class, revision 0x10, status 0x0280. */
    assert_int_equal(cfg_access(&r, 0, 0, PCI_VENDOR_ID, false, &v), 0);
    assert_int_equal(v, 0x462011ABu);
    assert_int_equal(cfg_access(&r, 0, 0, PCI_REVISION, false, &v), 0);
    assert_int_equal(v, 0x06000010u);
    assert_int_equal(cfg_access(&r, 0, 0, PCI_COMMAND, false, &v), 0);
    assert_int_equal(v >> 16, 0x0280);
    /* Its BARs are not implemented: sizing reads 0, so Linux skips them. */
    v = 0xFFFFFFFFu;
    assert_int_equal(cfg_access(&r, 0, 0, PCI_BAR0 + 16, true, &v), 0);
    assert_int_equal(cfg_access(&r, 0, 0, PCI_BAR0 + 16, false, &v), 0);
    assert_int_equal(v, 0);
    /* The test function: IDs, then a read-modify-write of the interrupt line. */
    assert_int_equal(cfg_access(&r, 0, 11 << 3, PCI_VENDOR_ID, false, &v), 0);
    assert_int_equal(v, 0x56781234u);
    assert_int_equal(cfg_access(&r, 0, 11 << 3, PCI_INTERRUPT_LINE, false, &v), 0);
    assert_int_equal(v, 0x00000100u);
    v = (v & ~0xFFu) | 10;
    v |= 0xFF00; /* the pin is read-only */
    assert_int_equal(cfg_access(&r, 0, 11 << 3, PCI_INTERRUPT_LINE, true, &v), 0);
    assert_int_equal(cfg_access(&r, 0, 11 << 3, PCI_INTERRUPT_LINE, false, &v), 0);
    assert_int_equal(v, 0x0000010Au);
}

static void test_master_abort(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    uint32_t v = 0;
    /* An absent function reads all-ones and sets INTRCAUSE bit 18. */
    wr(&r, GT_INTRCAUSE, 0);
    wr(&r, GT_PCI0_CFGADDR, GT_CFGADDR_ENABLE | (12 << 11));
    assert_int_equal(rd(&r, GT_PCI0_CFGDATA), 0xFFFFFFFFu);
    assert_int_equal(rd(&r, GT_INTRCAUSE), GT_INTRCAUSE_MASABORT0);
    /* Writing 1s leaves cause bits, writing 0 clears them (Linux's 0xFFF3FFFF). */
    wr(&r, GT_INTRCAUSE, 0xFFFFFFFFu);
    assert_int_equal(rd(&r, GT_INTRCAUSE), GT_INTRCAUSE_MASABORT0);
    wr(&r, GT_INTRCAUSE, 0xFFF3FFFFu);
    assert_int_equal(rd(&r, GT_INTRCAUSE), 0);
    /* Through Linux's access routine: absent function, other bus, and a write. */
    assert_int_equal(cfg_access(&r, 0, (20 << 3) | 1, 0, false, &v), -1);
    assert_int_equal(cfg_access(&r, 1, 0, 0, false, &v), -1);
    assert_int_equal(cfg_access(&r, 0, 13 << 3, 0x3C, true, &v), -1);
    /* The enable bit clear: no cycle at all, also a master abort. */
    wr(&r, GT_PCI0_CFGADDR, 0);
    assert_int_equal(rd(&r, GT_PCI0_CFGDATA), 0xFFFFFFFFu);
    assert_true(rd(&r, GT_INTRCAUSE) & GT_INTRCAUSE_MASABORT0);
    assert_true(r.gt.master_aborts >= 5);
}

static void test_narrow_accesses(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    wr(&r, GT_PCI0_CFGADDR, GT_CFGADDR_ENABLE | (11 << 11));
    /* Byte and halfword reads of CFGDATA address the bytes of the selected dword. */
    assert_int_equal(gt64120_ops.read(&r.gt, GT_PCI0_CFGDATA, 2), 0x1234);
    assert_int_equal(gt64120_ops.read(&r.gt, GT_PCI0_CFGDATA + 2, 2), 0x5678);
    assert_int_equal(gt64120_ops.read(&r.gt, GT_PCI0_CFGDATA + 3, 1), 0x56);
    /* A byte write to a register merges into it. */
    gt64120_ops.write(&r.gt, GT_PCI0IOREMAP + 1, 0xAB, 1);
    assert_int_equal(rd(&r, GT_PCI0IOREMAP), 0xABC0);
    /* CFGADDR keeps only its defined bits. */
    wr(&r, GT_PCI0_CFGADDR, 0xFFFFFFFFu);
    assert_int_equal(rd(&r, GT_PCI0_CFGADDR), 0x80FFFFFCu);
}

static void test_iack_is_inta(void **state)
{
    (void)state;
    struct rig r;
    setup(&r);
    /* Linux's 8259 init (drivers/irqchip/irq-i8259.c init_8259A), cascade unmasked, IRQ 4 and 12 unmasked. */
    static const uint8_t m[] = {0x11, 0x00, 0x04, 0x01}, s[] = {0x11, 0x08, 0x02, 0x01};
    i8259_master_ops.write(&r.pic, 0, m[0], 1);
    for (int i = 1; i < 4; i++)
        i8259_master_ops.write(&r.pic, 1, m[i], 1);
    i8259_slave_ops.write(&r.pic, 0, s[0], 1);
    for (int i = 1; i < 4; i++)
        i8259_slave_ops.write(&r.pic, 1, s[i], 1);
    i8259_master_ops.write(&r.pic, 1, 0xEB, 1); /* IRQ 2 and 4 */
    i8259_slave_ops.write(&r.pic, 1, 0xEF, 1);  /* IRQ 12 */
    /* Nothing pending: the spurious vector 7. */
    assert_int_equal(rd(&r, GT_PCI0_IACK) & 0xFF, 7);
    i8259_set_irq(&r.pic, 12, 1);
    i8259_set_irq(&r.pic, 4, 1);
    assert_int_equal(r.ip2, 1);
    /* The IACK read is the whole INTA of the best request. Fully nested mode: master IR2 (the
     * cascade, so IRQ 12) outranks IR4 (Intel 8259A datasheet, "Fully Nested Mode"). */
    assert_int_equal(rd(&r, GT_PCI0_IACK) & 0xFF, 12);
    assert_int_equal(r.pic.chip[1].isr, 1u << 4);
    assert_int_equal(r.pic.chip[0].isr, 1u << 2);
    /* IRQ 4 waits: IR2 is in service and outranks it. */
    assert_int_equal(r.ip2, 0);
    i8259_slave_ops.write(&r.pic, 0, 0x64, 1); /* Linux: specific EOI to the slave, then IR2 */
    i8259_master_ops.write(&r.pic, 0, 0x62, 1);
    assert_int_equal(r.ip2, 1);
    assert_int_equal(rd(&r, GT_PCI0_IACK) & 0xFF, 4);
    assert_int_equal(r.pic.chip[0].isr, 1u << 4);
    i8259_master_ops.write(&r.pic, 0, 0x64, 1);
    assert_int_equal(r.ip2, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_firmware_registers),
        cmocka_unit_test(test_config_cycles),
        cmocka_unit_test(test_master_abort),
        cmocka_unit_test(test_narrow_accesses),
        cmocka_unit_test(test_iack_is_inta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

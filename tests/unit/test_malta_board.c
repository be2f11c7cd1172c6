/*
 * Unit tests of the Malta board's wiring, through the physical map as the CPU sees it
 * (devices/malta/README.md §3, §6, §7): the revision register and erased flash in the boot
 * window, the ISA ports in the PCI I/O window (unclaimed ports read 0xFF), PCI enumeration
 * through the GT, PMBA moving the PM block so Linux's poweroff sequence reaches the host,
 * SOFTRES and the PIIX4 reset register, a ttyS0 interrupt through the i8259 pair to IP2 and
 * back through the GT's IACK, console input into ttyS0, and the RTC busy-wait detector.
 * The host side is a fake that records what the board asks of it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "devices/block/block.h"
#include "devices/malta/malta.h"
#include "devices/virtio/virtio.h"

#define RAM_SIZE (32u << 20)
#define IO(port) (MALTA_PCI_IO_BASE + (port))

struct host {
    uint64_t now;
    int ip[6];
    int poweroffs, resets, attention;
    uint8_t out[256];
    unsigned nout;
};

static uint64_t h_now(void *ctx) { return ((struct host *)ctx)->now; }
static void h_irq(void *ctx, int line, int level) { ((struct host *)ctx)->ip[line] = level; }
static void h_attention(void *ctx) { ((struct host *)ctx)->attention++; }
static void h_out(void *ctx, uint8_t b)
{
    struct host *h = ctx;
    if (h->nout < sizeof(h->out))
        h->out[h->nout++] = b;
}
static void h_power(void *ctx, enum malta_power what)
{
    struct host *h = ctx;
    if (what == MALTA_POWER_OFF)
        h->poweroffs++;
    else
        h->resets++;
}

struct rig {
    struct physmap pm;
    struct pmap ram;
    struct malta *m;
    struct host h;
};

static int setup(void **state)
{
    struct rig *r = calloc(1, sizeof(*r));
    assert_int_equal(pmap_init(&r->ram, machmem_default(), RAM_SIZE, MALTA_RAM_ALL_BASE), 0);
    struct malta_host host = {.ctx = &r->h, .now_ns = h_now, .cpu_irq = h_irq, .power = h_power,
                              .attention = h_attention, .serial_out = h_out};
    char err[200];
    assert_int_equal(malta_create(&r->m, &r->pm, &r->ram, RAM_SIZE, &host, 0, err, sizeof(err)), 0);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct rig *r = *state;
    malta_destroy(r->m);
    pmap_destroy(&r->ram);
    free(r);
    return 0;
}

static uint32_t rd(struct rig *r, gpa_t pa, unsigned size) { return (uint32_t)physmap_io_read(&r->pm, pa, size); }
static void wr(struct rig *r, gpa_t pa, uint32_t v, unsigned size) { physmap_io_write(&r->pm, pa, v, size); }

static uint32_t cfg_rd(struct rig *r, unsigned devfn, unsigned reg)
{
    wr(r, MALTA_GT_BASE + GT_PCI0_CFGADDR, GT_CFGADDR_ENABLE | devfn << 8 | reg, 4);
    return rd(r, MALTA_GT_BASE + GT_PCI0_CFGDATA, 4);
}

static void cfg_wr(struct rig *r, unsigned devfn, unsigned reg, uint32_t v)
{
    wr(r, MALTA_GT_BASE + GT_PCI0_CFGADDR, GT_CFGADDR_ENABLE | devfn << 8 | reg, 4);
    wr(r, MALTA_GT_BASE + GT_PCI0_CFGDATA, v, 4);
}

static void test_memory_map(void **state)
{
    struct rig *r = *state;
    /* The revision register prom_init reads; the rest of the boot window is erased flash. */
    assert_int_equal(rd(r, 0x1FC00010, 4), MALTA_REVISION);
    assert_int_equal(rd(r, 0x1FC00000, 4), 0xFFFFFFFFu);
    assert_int_equal(rd(r, 0x1E000010, 4), MALTA_REVISION); /* the monitor flash it mirrors */
    wr(r, 0x1FC00010, 0, 4);                                 /* ROM: writes are dropped */
    assert_int_equal(rd(r, 0x1FC00010, 4), MALTA_REVISION);
    /* RAM at 0 and again at 0x80000000. */
    wr(r, 0x1000, 0x12345678, 4);
    assert_int_equal(rd(r, MALTA_HIGH_RAM_BASE + 0x1000, 4), 0x12345678);
    /* The GT at its post-firmware base, the FPGA registers. */
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_ISD, 4), 0xDF);
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_STATUS, 4), 0x10);
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_JMPRS, 4), 0);
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_BRKRES, 4), 0x0A);
    /* Unclaimed PCI memory reads as a master abort. */
    assert_int_equal(rd(r, MALTA_PCI_MEM0_BASE + 0x100, 4), 0xFFFFFFFFu);
}

static void test_isa_ports(void **state)
{
    struct rig *r = *state;
    assert_int_equal(rd(r, IO(0x64), 1), 0xFF);   /* no i8042: its probe gives up at once */
    assert_int_equal(rd(r, IO(0x60), 1), 0xFF);
    assert_int_equal(rd(r, IO(0x3FD), 1), 0x60);  /* ttyS0 LSR */
    assert_int_equal(rd(r, IO(0x3FE), 1), 0xB0);  /* ttyS0 MSR */
    assert_int_equal(rd(r, IO(0x2FD), 1), 0x60);  /* ttyS1 */
    assert_int_equal(rd(r, MALTA_CBUS_UART_BASE + 8 * UART_LSR, 4), 0x60);
    wr(r, IO(0x70), RTC_REG_B, 1);
    assert_int_equal(rd(r, IO(0x71), 1), 0x02);   /* 24-hour, BCD */
    wr(r, IO(0x21), 0xFF, 1);
    assert_int_equal(rd(r, IO(0x21), 1), 0xFF);   /* master IMR */
    wr(r, IO(0xD4), 0, 1);                        /* DMA2 mask: ignored */
    /* Bytes written to ttyS0 reach the host; ttyS1 has nothing attached. */
    wr(r, IO(0x3F8), 'M', 1);
    wr(r, IO(0x2F8), 'x', 1);
    assert_int_equal(r->h.nout, 1);
    assert_int_equal(r->h.out[0], 'M');
}

static void test_pci_enumeration(void **state)
{
    struct rig *r = *state;
    assert_int_equal(cfg_rd(r, MALTA_DEVFN_GT, 0), 0x462011ABu);
    assert_int_equal(cfg_rd(r, MALTA_DEVFN_PIIX4_ISA, 0), 0x71108086u);
    assert_int_equal((cfg_rd(r, MALTA_DEVFN_PIIX4_ISA, 0x0C) >> 16) & 0xFF, 0x80);
    assert_int_equal(cfg_rd(r, MALTA_DEVFN_PIIX4_IDE, 0), 0x71118086u);
    assert_int_equal(cfg_rd(r, MALTA_DEVFN_PIIX4_PM, 0), 0x71138086u);
    assert_int_equal(cfg_rd(r, MALTA_DEVFN_PIIX4_ISA, 0x60), 0x0B0B0A0Au);
    /* Everything else on bus 0 is absent. */
    for (unsigned devfn = 0; devfn < 31 * 8; devfn++) {
        if (devfn == MALTA_DEVFN_GT || devfn == MALTA_DEVFN_PIIX4_ISA || devfn == MALTA_DEVFN_PIIX4_IDE ||
            devfn == MALTA_DEVFN_PIIX4_PM)
            continue;
        wr(r, MALTA_GT_BASE + GT_INTRCAUSE, 0xFFF3FFFFu, 4);
        assert_int_equal(cfg_rd(r, devfn, 0), 0xFFFFFFFFu);
        assert_true(rd(r, MALTA_GT_BASE + GT_INTRCAUSE, 4) & GT_INTRCAUSE_MASABORT0);
    }
}

static void test_poweroff_via_pmba(void **state)
{
    struct rig *r = *state;
    /* Before the PM block is placed, its ports are unclaimed. */
    assert_int_equal(rd(r, IO(0x1000), 2), 0xFFFF);
    wr(r, IO(0x1004), 0x2000, 2);
    assert_int_equal(r->h.poweroffs, 0);
    /* Linux's Malta fixup, then the piix4-poweroff sequence. */
    cfg_wr(r, MALTA_DEVFN_PIIX4_PM, PIIX4_PM_PMBA, 0x1000);
    cfg_wr(r, MALTA_DEVFN_PIIX4_PM, PIIX4_PM_PMREGMISC, cfg_rd(r, MALTA_DEVFN_PIIX4_PM, PIIX4_PM_PMREGMISC) | 1);
    uint16_t sts = (uint16_t)rd(r, IO(0x1000), 2);
    assert_int_equal(sts & PIIX4_PMSTS_PWRBTN, 0);
    wr(r, IO(0x1000), sts, 2);
    wr(r, IO(0x1004), 0x2000, 2);
    assert_int_equal(r->h.poweroffs, 1);
    /* A board reset unplaces it again. */
    malta_reset(r->m);
    assert_int_equal(rd(r, IO(0x1000), 2), 0xFFFF);
}

static void test_resets(void **state)
{
    struct rig *r = *state;
    /* SOFTRES: syscon-reboot reads, sees no 0x42, writes 0x42. */
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_SOFTRES, 4), 0);
    wr(r, MALTA_FPGA_BASE + FPGA_SOFTRES, 0x41, 4);
    assert_int_equal(r->h.resets, 0);
    wr(r, MALTA_FPGA_BASE + FPGA_SOFTRES, FPGA_SOFTRES_RESET, 4);
    assert_int_equal(r->h.resets, 1);
    /* The PIIX4 reset control register: RST_CPU 0 -> 1. */
    wr(r, IO(PIIX4_RCR_PORT), PIIX4_RCR_SYS_RST, 1);
    assert_int_equal(r->h.resets, 1);
    wr(r, IO(PIIX4_RCR_PORT), PIIX4_RCR_SYS_RST | PIIX4_RCR_RST_CPU, 1);
    assert_int_equal(r->h.resets, 2);
    /* The ASCII display shows a word as eight hex digits. */
    wr(r, MALTA_FPGA_BASE + FPGA_ASCIIWORD, 0xC0FFEE42, 4);
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_ASCIIWORD, 4), 0xC0FFEE42);
    assert_int_equal(rd(r, MALTA_FPGA_BASE + FPGA_ASCIIPOS0 + 8 * 7, 4), '2');
}

static void test_uart_interrupt_path(void **state)
{
    struct rig *r = *state;
    /* Linux's 8259 programming, IRQ 4 unmasked. */
    static const struct { uint16_t port; uint8_t v; } init[] = {
        {0x21, 0xFF}, {0xA1, 0xFF}, {0x20, 0x11}, {0x21, 0x00}, {0x21, 0x04}, {0x21, 0x01},
        {0xA0, 0x11}, {0xA1, 0x08}, {0xA1, 0x02}, {0xA1, 0x01}, {0x21, 0xEB}, {0xA1, 0xFF},
    };
    for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        wr(r, IO(init[i].port), init[i].v, 1);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);
    /* A key arrives with RX interrupts on: IRQ 4 -> master -> CPU IP2. */
    wr(r, IO(0x3F9), UART_IER_RDI, 1);
    assert_int_equal(malta_console_room(r->m), 1);
    uint8_t k = 'q';
    assert_int_equal(malta_console_input(r->m, &k, 1), 1);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 1);
    /* The dispatcher's IACK read names IRQ 4; Linux masks it, EOIs, reads the byte. */
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_PCI0_IACK, 4) & 0xFF, 4);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);
    wr(r, IO(0x21), 0xFB, 1);
    wr(r, IO(0x20), 0x64, 1);
    assert_int_equal(rd(r, IO(0x3F8), 1), 'q');
    assert_true(malta_console_rx_empty(r->m));
    wr(r, IO(0x21), 0xEB, 1);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);
}


/* A disk nobody reads: the board test only needs the PCI side of virtio-blk. */
static const struct blk_ops idle_ops;
static struct blk idle_disk = {.ops = &idle_ops, .size = 1 << 20, .readonly = true};

/* Breaks the virtio device whose BAR 0 is at port: a queue at 1 MiB whose first available head
 * is past the table, then a notify. The device goes NEEDS_RESET and raises its INTA. */
static void virtio_break(struct rig *r, uint16_t port)
{
    uint16_t idx = 1, head = 200;
    wr(r, IO(port + VIRTIO_PCI_QUEUE_SEL), 0, 2);
    wr(r, IO(port + VIRTIO_PCI_QUEUE_PFN), 0x100, 4);
    assert_int_equal(physmap_write(&r->pm, 0x100000 + 128 * 16 + 4, &head, 2), 0);
    assert_int_equal(physmap_write(&r->pm, 0x100000 + 128 * 16 + 2, &idx, 2), 0);
    wr(r, IO(port + VIRTIO_PCI_QUEUE_NOTIFY), 0, 2);
    assert_true(rd(r, IO(port + VIRTIO_PCI_STATUS), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_virtio_pci_interrupts(void **state)
{
    struct rig *r = *state;
    char err[200];
    /* Slots Linux routes (fixup-malta.c), one taken twice, one without a route. */
    assert_int_equal(malta_add_virtio_blk(r->m, 0x12, &idle_disk, NULL, err, sizeof(err)), 0);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x13, &idle_disk, NULL, err, sizeof(err)), 0);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x14, &idle_disk, NULL, err, sizeof(err)), 0);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x12, &idle_disk, NULL, err, sizeof(err)), -EBUSY);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x0e, &idle_disk, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x0a, &idle_disk, NULL, err, sizeof(err)), -EINVAL);
    /* Enumeration and BAR assignment as Linux does them; nothing answers before Command.IO. */
    static const uint16_t bar[3] = {0x1000, 0x1080, 0x1100};
    for (unsigned i = 0; i < 3; i++) {
        unsigned devfn = (0x12 + i) << 3;
        assert_int_equal(cfg_rd(r, devfn, 0), 0x10011AF4u);
        assert_int_equal(cfg_rd(r, devfn, 0x2C), 0x00021AF4u);
        cfg_wr(r, devfn, PCI_BAR0, 0xFFFFFFFFu);
        assert_int_equal(cfg_rd(r, devfn, PCI_BAR0), 0xFFFFFF81u);
        cfg_wr(r, devfn, PCI_BAR0, bar[i]);
        assert_int_equal(rd(r, IO(bar[i] + VIRTIO_PCI_QUEUE_NUM), 2), 0xFFFF);
        cfg_wr(r, devfn, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MASTER);
        assert_int_equal(rd(r, IO(bar[i] + VIRTIO_PCI_QUEUE_NUM), 2), 128);
    }
    /* Linux's 8259 programming (vectors 0-15), only IRQ 10 and 11 unmasked on the slave. */
    static const struct { uint16_t port; uint8_t v; } init[] = {
        {0x21, 0xFF}, {0xA1, 0xFF}, {0x20, 0x11}, {0x21, 0x00}, {0x21, 0x04}, {0x21, 0x01},
        {0xA0, 0x11}, {0xA1, 0x08}, {0xA1, 0x02}, {0xA1, 0x01}, {0x21, 0xFB}, {0xA1, 0xF3},
    };
    for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        wr(r, IO(init[i].port), init[i].v, 1);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);

    /* Slot 0x12: PIRQ A -> IRQ 10. */
    virtio_break(r, bar[0]);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 1);
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_PCI0_IACK, 4) & 0xFF, 10);
    /* Slot 0x13 (PIRQ B, also IRQ 10) while 0x12 still holds the line: the OR stays high. */
    virtio_break(r, bar[1]);
    assert_int_equal(rd(r, IO(bar[0] + VIRTIO_PCI_ISR), 1), VIRTIO_PCI_ISR_CONFIG);
    assert_int_equal(rd(r, IO(bar[0] + VIRTIO_PCI_ISR), 1), 0);
    wr(r, IO(0xA0), 0x62, 1); /* specific EOI of IRQ 10 on the slave, IRQ 2 on the master */
    wr(r, IO(0x20), 0x62, 1);
    /* Edge-triggered as Linux leaves the PIIX4 8259s, the OR of the two gave no edge for 0x13's
     * request, and a handler that already ran for 0x13 would never see it (QEMU loses it). The
     * board lowers and raises the line when 0x12 drops it: one new request for IRQ 10. */
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 1);
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_PCI0_IACK, 4) & 0xFF, 10);
    assert_int_equal(rd(r, IO(bar[1] + VIRTIO_PCI_ISR), 1), VIRTIO_PCI_ISR_CONFIG);
    wr(r, IO(0xA0), 0x62, 1);
    wr(r, IO(0x20), 0x62, 1);
    /* The line is low now; nothing more is pending. */
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);
    /* Slot 0x14: PIRQ C -> IRQ 11, a fresh edge. */
    virtio_break(r, bar[2]);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 1);
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_PCI0_IACK, 4) & 0xFF, 11);
    assert_int_equal(rd(r, IO(bar[2] + VIRTIO_PCI_ISR), 1), VIRTIO_PCI_ISR_CONFIG);
    /* A board reset takes the BARs away with the devices' state. */
    malta_reset(r->m);
    assert_int_equal(rd(r, IO(bar[0] + VIRTIO_PCI_QUEUE_NUM), 2), 0xFFFF);
    assert_int_equal(cfg_rd(r, 0x12 << 3, PCI_BAR0), 0x00000001u);
}

/* A PIRQ whose route register has bit 7 set reaches no ISA IRQ (Intel 82371AB datasheet,
 * PIRQRC[A:D]); the other PIRQs still do. */
static void test_virtio_pirq_disabled(void **state)
{
    struct rig *r = *state;
    char err[200];
    assert_int_equal(malta_add_virtio_blk(r->m, 0x12, &idle_disk, NULL, err, sizeof(err)), 0);
    assert_int_equal(malta_add_virtio_blk(r->m, 0x14, &idle_disk, NULL, err, sizeof(err)), 0);
    cfg_wr(r, 0x12 << 3, PCI_BAR0, 0x1000);
    cfg_wr(r, 0x12 << 3, PCI_COMMAND, PCI_CMD_IO);
    cfg_wr(r, 0x14 << 3, PCI_BAR0, 0x1100);
    cfg_wr(r, 0x14 << 3, PCI_COMMAND, PCI_CMD_IO);
    cfg_wr(r, MALTA_DEVFN_PIIX4_ISA, PIIX4_PIRQRC, 0x0B0B0A80u); /* PIRQ A off */
    static const struct { uint16_t port; uint8_t v; } init[] = {
        {0x20, 0x11}, {0x21, 0x00}, {0x21, 0x04}, {0x21, 0x01}, {0xA0, 0x11}, {0xA1, 0x08},
        {0xA1, 0x02}, {0xA1, 0x01}, {0x21, 0x00}, {0xA1, 0x00}, /* every input unmasked */
    };
    for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        wr(r, IO(init[i].port), init[i].v, 1);
    virtio_break(r, 0x1000);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 0);
    virtio_break(r, 0x1100);
    assert_int_equal(r->h.ip[MALTA_CPU_IRQ_I8259], 1);
    assert_int_equal(rd(r, MALTA_GT_BASE + GT_PCI0_IACK, 4) & 0xFF, 11);
}

static void test_rtc_busy_wait_detector(void **state)
{
    struct rig *r = *state;
    wr(r, IO(0x70), RTC_REG_A, 1);
    int before = r->h.attention;
    for (int i = 0; i < 255; i++)
        (void)rd(r, IO(0x71), 1);
    assert_false(malta_rtc_polling(r->m));
    (void)rd(r, IO(0x71), 1);
    assert_true(malta_rtc_polling(r->m));
    assert_true(r->h.attention > before); /* the vCPU is asked to look */
    /* The next UIP edge: at guest time 0 the first update is 1 s away, UIP rises 244 us before. */
    assert_int_equal(malta_rtc_next_edge_ns(r->m), 1000000000ull - RTC_UIP_HOLD_NS);
    /* Any other RTC access ends the run. */
    wr(r, IO(0x70), RTC_REG_B, 1);
    (void)rd(r, IO(0x71), 1);
    assert_false(malta_rtc_polling(r->m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isa_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pci_enumeration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poweroff_via_pmba, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uart_interrupt_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virtio_pci_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virtio_pirq_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtc_busy_wait_detector, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The Malta board: which chip answers where, and which wire goes where.
 *
 * The wiring is written down once, in order, in the tables and the body of
 * malta_create() below (the physical map, the ISA ports inside the PCI I/O
 * window, the PCI functions on bus 0, the interrupt lines), so the whole
 * machine can be read in one place (README.md §3, §4, §6, §7 in this directory).
 *
 * Every chip sees offsets into its own window. The board adds the little
 * glue the chips cannot know about: the GT's IACK is the i8259's INTA,
 * PMBA moves the PM block inside the I/O window, the timer chips tell the
 * vCPU when a guest access may have moved a deadline, and the RTC's poll
 * detector asks for the frequency-estimate fast-forward.
 *
 * The boot ROM is the 4 MiB monitor flash, erased (all-ones) except for
 * the board revision register the kernel reads at 0x1FC00010. mvisor starts
 * the kernel directly (the firmware's work is done by the devices' reset
 * state and the YAMON environment), so nothing else is needed there; a
 * guest that jumps to the reset vector finds erased flash and wedges.
 * Every board of the process maps one erased image privately (erased_flash):
 * the pages it only reads are the same host pages for all of them, so a VM
 * costs the flash's 4 MiB once per monitor, plus the page it writes.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/malta/malta.h"
#include "devices/virtio/virtio.h"

/* Consecutive register-A reads that make a UIP busy-wait (the estimate polls ~770k times). */
#define RTC_POLL_THRESHOLD 256

struct malta {
    struct malta_host host;
    struct physmap *physmap;
    uint8_t *flash;
    struct bus_window pci_io, pci_mem0, pci_mem1;
    struct pci_bus pci;
    struct gt64120 gt;
    struct piix4 piix4;
    struct piix4_pm pm;
    struct i8259 pic;
    struct i8254 pit;
    struct rtc146818 rtc;
    struct serial16550 tty0, tty1, cbus_uart;
    struct malta_fpga fpga;
    struct dev_clock clock;
    int pm_range;
    /* Plug-in PCI functions (virtio) and the level of each one's INTA. */
    unsigned npci;
    struct {
        unsigned slot;
        struct virtio_pci *vp;
        struct virtio_blk *blk; /* one of these two */
        struct virtio_net *net;
        struct virtio_balloon *balloon; /* or this one */
        bool level;
    } pci_dev[MALTA_MAX_PCI_DEVICES];
    bool pci_isa_level[16]; /* what the PCI interrupts drive into each ISA IRQ */
    bool pci_hidden_rise[16]; /* a function raised its INTA while the line was already high */
    /* the balloon's actual changed: the VM's callback */
    void (*balloon_changed)(void *ctx, uint32_t pages);
    void *balloon_ctx;
};

#define MALTA_OF(ptr, member) ((struct malta *)(void *)((char *)(ptr) - offsetof(struct malta, member)))

/* ---- glue -------------------------------------------------------------- */

static uint64_t board_now_ns(void *ctx)
{
    struct malta *m = ctx;
    return m->host.now_ns(m->host.ctx);
}

static void board_balloon_changed(void *ctx, uint32_t pages)
{
    struct malta *m = ctx;
    if (m->balloon_changed)
        m->balloon_changed(m->balloon_ctx, pages);
}

static void board_attention(struct malta *m)
{
    if (m->host.attention)
        m->host.attention(m->host.ctx);
}

static void board_cpu_irq(void *opaque, int n, int level)
{
    struct malta *m = opaque;
    m->host.cpu_irq(m->host.ctx, n, level);
}

static uint8_t board_iack(void *ctx)
{
    return i8259_inta(ctx);
}

static void board_power_off(void *ctx)
{
    struct malta *m = ctx;
    m->host.power(m->host.ctx, MALTA_POWER_OFF);
}

static void board_reset_request(void *ctx)
{
    struct malta *m = ctx;
    m->host.power(m->host.ctx, MALTA_POWER_RESET);
}

static void board_map_pm(void *ctx, uint16_t base, bool enabled)
{
    struct malta *m = ctx;
    bus_move(&m->pci_io, m->pm_range, base, enabled && base != 0);
}

static void board_tty0_out(void *ctx, uint8_t b)
{
    struct malta *m = ctx;
    if (m->host.serial_out)
        m->host.serial_out(m->host.ctx, b);
}

/* The PIT: any write may reprogram channel 0's deadline. */
static uint64_t board_pit_read(void *opaque, uint64_t off, unsigned size)
{
    return i8254_ops.read(opaque, off, size);
}

static void board_pit_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    i8254_ops.write(opaque, off, val, size);
    board_attention(MALTA_OF(opaque, pit));
}

static const struct mem_region_ops board_pit_ops = {.read = board_pit_read, .write = board_pit_write};

/* The RTC: writes and flag reads move deadlines; a long run of register-A reads is the
 * update-flag busy-wait. */
static uint64_t board_rtc_read(void *opaque, uint64_t off, unsigned size)
{
    struct rtc146818 *rtc = opaque;
    uint64_t v = rtc146818_ops.read(opaque, off, size);
    if (off & 1) {
        uint64_t polls = rtc_polls_since_other_access(rtc);
        if (polls == 0 || polls == RTC_POLL_THRESHOLD)
            board_attention(MALTA_OF(opaque, rtc));
    }
    return v;
}

static void board_rtc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    rtc146818_ops.write(opaque, off, val, size);
    board_attention(MALTA_OF(opaque, rtc));
}

static const struct mem_region_ops board_rtc_ops = {.read = board_rtc_read, .write = board_rtc_write};

/* ---- PCI interrupts ----------------------------------------------------- */

/* Slot -> PIRQ for pin INTA (QEMU hw/mips/malta.c malta_pci_slot_get_pirq: slot 10 PIRQ D,
 * 11 B, 12 C, 18-21 "PCI slot 1 to 4" swizzled; Linux arch/mips/pci/fixup-malta.c irq_tab
 * agrees), or -1 where Linux gives the slot no interrupt. */
static int board_slot_pirq(unsigned slot)
{
    switch (slot) {
    case 11: return 1;
    case 12: return 2;
    case 18: case 19: case 20: case 21: return (int)(slot - 18) & 3;
    default: return -1;
    }
}

bool malta_pci_slot_routed(unsigned slot)
{
    return board_slot_pirq(slot) >= 0;
}

/*
 * A PCI INTA changed. Each PIRQ is the OR of the lines on it, and each ISA IRQ the OR of the
 * PIRQs its PIIX4 route register (0x60-0x63; bit 7 disables) points at (QEMU hw/isa/piix.c
 * piix_set_irq_pic). The i8259 sees that level; it latches a rising edge unless ELCR says
 * level, exactly as for QEMU's PIIX4.
 */
/* Each ISA IRQ is the OR of the PIRQs routed to it, and Linux leaves the i8259 edge-triggered
 * there (section 6.4 of devices/malta/README.md), so a function that raises its INTA while
 * another holds the shared line makes no edge. If the guest's handler for it had already run,
 * that interrupt would be lost for good (QEMU's hw/isa/piix.c loses it the same way; here
 * completions arrive between any two guest instructions, so a guest reading two disks at once
 * hung). So a rise the OR hid is remembered, and when a function drops the line while it stays
 * high, the board lowers and raises it once: the i8259 latches a new request, masked or not.
 * At worst the guest then runs its handlers once with nothing to do (IRQ_NONE). */
static void board_pci_irq(void *opaque, int n, int level)
{
    struct malta *m = opaque;
    bool was = m->pci_dev[n].level;
    m->pci_dev[n].level = level != 0;
    bool pirq[4] = {false, false, false, false};
    for (unsigned i = 0; i < m->npci; i++)
        if (m->pci_dev[i].level)
            pirq[board_slot_pirq(m->pci_dev[i].slot)] = true;
    bool isa[16] = {false};
    int mine = -1; /* the ISA IRQ this function's PIRQ reaches, if any */
    for (unsigned p = 0; p < 4; p++) {
        uint8_t route = m->piix4.isa.cfg[PIIX4_PIRQRC + p];
        bool routed = !(route & 0x80) && (route & 0x0F) < 16;
        if (routed && (int)p == (int)board_slot_pirq(m->pci_dev[n].slot))
            mine = route & 0x0F;
        if (pirq[p] && routed)
            isa[route & 0x0F] = true;
    }
    if (mine >= 0 && level && !was && m->pci_isa_level[mine])
        m->pci_hidden_rise[mine] = true;
    if (mine >= 0 && !level && was && isa[mine] && m->pci_hidden_rise[mine]) {
        m->pci_hidden_rise[mine] = false;
        i8259_set_irq(&m->pic, mine, 0);
        i8259_set_irq(&m->pic, mine, 1);
    }
    for (int irq = 0; irq < 16; irq++) {
        if (!isa[irq])
            m->pci_hidden_rise[irq] = false;
        if (isa[irq] != m->pci_isa_level[irq]) {
            m->pci_isa_level[irq] = isa[irq];
            i8259_set_irq(&m->pic, irq, isa[irq]);
        }
    }
}

static void board_virtio_kick(void *ctx)
{
    struct malta *m = ctx;
    if (m->host.kick)
        m->host.kick(m->host.ctx);
}

static int board_slot_free(struct malta *m, unsigned slot, char *err, size_t errlen)
{
    if (!malta_pci_slot_routed(slot)) {
        snprintf(err, errlen, "PCI slot 0x%x has no interrupt on the Malta (0xb, 0xc, 0x12-0x15)", slot);
        return -EINVAL;
    }
    if (m->pci.fn[slot << 3] || m->npci >= MALTA_MAX_PCI_DEVICES) {
        snprintf(err, errlen, "PCI slot 0x%x is already in use", slot);
        return -EBUSY;
    }
    return 0;
}

/* Puts a virtio function's BAR 0 in the I/O window (disabled until Linux assigns it), its
 * INTA on the PIRQ of its slot, and the function on bus 0. */
static int board_plug_virtio(struct malta *m, unsigned slot, struct virtio_pci *vp, struct virtio_blk *blk,
                             struct virtio_net *net, char *err, size_t errlen)
{
    int range = bus_add(&m->pci_io, 0, vp->bar_size, &virtio_pci_io_ops, vp);
    if (range < 0) {
        snprintf(err, errlen, "cannot map a virtio function: %s", strerror(-range));
        return range;
    }
    bus_move(&m->pci_io, range, 0, false);
    unsigned n = m->npci++;
    m->pci_dev[n].slot = slot;
    m->pci_dev[n].vp = vp;
    m->pci_dev[n].blk = blk;
    m->pci_dev[n].net = net;
    m->pci_dev[n].balloon = NULL;
    m->pci_dev[n].level = false;
    vp->slot = slot;
    virtio_pci_attach(vp, &m->pci_io, range, (struct irq_line){.set = board_pci_irq, .opaque = m, .n = (int)n});
    pci_bus_plug(&m->pci, slot << 3, &vp->pci);
    return 0;
}

int malta_add_virtio_blk(struct malta *m, unsigned slot, struct blk *b, const char *serial, char *err,
                         size_t errlen)
{
    int rc = board_slot_free(m, slot, err, errlen);
    if (rc < 0)
        return rc;
    struct virtio_host host = {.kick = board_virtio_kick, .ctx = m, .synchronous = m->host.synchronous_io};
    struct virtio_blk *d;
    rc = virtio_blk_create(&d, m->physmap, b, serial, &host);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create virtio-blk-pci: %s", strerror(-rc));
        return rc;
    }
    rc = board_plug_virtio(m, slot, virtio_blk_pci(d), d, NULL, err, errlen);
    if (rc < 0)
        virtio_blk_destroy(d);
    return rc;
}

int malta_add_virtio_net(struct malta *m, unsigned slot, struct netdev *nd, const uint8_t mac[6], unsigned opts,
                         char *err, size_t errlen)
{
    int rc = board_slot_free(m, slot, err, errlen);
    if (rc < 0)
        return rc;
    struct virtio_host host = {.kick = board_virtio_kick, .ctx = m};
    struct virtio_net *d;
    rc = virtio_net_create(&d, m->physmap, nd, mac, opts, &host);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create virtio-net-pci: %s", strerror(-rc));
        return rc;
    }
    virtio_net_set_clock(d, &m->clock);
    rc = board_plug_virtio(m, slot, virtio_net_pci(d), NULL, d, err, errlen);
    if (rc < 0)
        virtio_net_destroy(d);
    return rc;
}

int malta_add_virtio_balloon(struct malta *m, unsigned slot, const struct virtio_balloon_opts *opts,
                             void (*actual_changed)(void *ctx, uint32_t pages), void *ctx, char *err, size_t errlen)
{
    int rc = board_slot_free(m, slot, err, errlen);
    if (rc < 0)
        return rc;
    /* The clock and the callback go through the board (one context for both). */
    m->balloon_changed = actual_changed;
    m->balloon_ctx = ctx;
    struct virtio_balloon_host host = {.io = {.kick = board_virtio_kick, .ctx = m},
                                       .now_ns = board_now_ns,
                                       .actual_changed = board_balloon_changed,
                                       .ctx = m};
    struct virtio_balloon *d;
    rc = virtio_balloon_create(&d, m->physmap, opts, &host);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create virtio-balloon-pci: %s", strerror(-rc));
        return rc;
    }
    rc = board_plug_virtio(m, slot, virtio_balloon_pci(d), NULL, NULL, err, errlen);
    if (rc < 0) {
        virtio_balloon_destroy(d);
        return rc;
    }
    m->pci_dev[m->npci - 1].balloon = d;
    return 0;
}

struct virtio_balloon *malta_virtio_balloon(struct malta *m)
{
    for (unsigned k = 0; k < m->npci; k++)
        if (m->pci_dev[k].balloon)
            return m->pci_dev[k].balloon;
    return NULL;
}

struct virtio_net *malta_virtio_net(struct malta *m, unsigned i)
{
    for (unsigned k = 0; k < m->npci; k++)
        if (m->pci_dev[k].net && i-- == 0)
            return m->pci_dev[k].net;
    return NULL;
}

/* ---- the wiring -------------------------------------------------------- */

/* The erased flash image every board maps (private, copy-on-write): a memory file of all-ones,
 * written once per process and never again, so its pages are shared by every VM's mapping. */
static pthread_once_t erased_flash_once = PTHREAD_ONCE_INIT;
static int erased_flash_fd = -1;

static void erased_flash_make(void)
{
    int fd = memfd_create("mvisor-malta-flash", MFD_CLOEXEC);
    if (fd < 0)
        return;
    uint8_t *p = MAP_FAILED;
    if (ftruncate(fd, MALTA_FLASH_SIZE) == 0)
        p = mmap(NULL, MALTA_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return;
    }
    memset(p, 0xFF, MALTA_FLASH_SIZE);
    munmap(p, MALTA_FLASH_SIZE);
    erased_flash_fd = fd;
}

/* A private mapping of the erased flash; an anonymous copy if the memory file cannot be made. */
static uint8_t *erased_flash_map(void)
{
    pthread_once(&erased_flash_once, erased_flash_make);
    if (erased_flash_fd >= 0) {
        void *p = mmap(NULL, MALTA_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, erased_flash_fd, 0);
        if (p != MAP_FAILED)
            return p;
    }
    uint8_t *p = mmap(NULL, MALTA_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0xFF, MALTA_FLASH_SIZE);
    return p;
}

/* Device windows in the physical map (RAM and the flash are host memory, added in code). */
static const struct {
    const char *name;
    gpa_t base;
    uint64_t size;
    const struct mem_region_ops *ops;
    size_t dev; /* offsetof(struct malta, the device) */
} malta_mmio[] = {
    {"pci-mem0", MALTA_PCI_MEM0_BASE, MALTA_PCI_MEM0_SIZE, &bus_window_ops, offsetof(struct malta, pci_mem0)},
    {"pci-io", MALTA_PCI_IO_BASE, MALTA_PCI_IO_SIZE, &bus_window_ops, offsetof(struct malta, pci_io)},
    {"pci-mem1", MALTA_PCI_MEM1_BASE, MALTA_PCI_MEM1_SIZE, &bus_window_ops, offsetof(struct malta, pci_mem1)},
    {"gt64120", MALTA_GT_BASE, MALTA_GT_SIZE, &gt64120_ops, offsetof(struct malta, gt)},
    {"fpga", MALTA_FPGA_BASE, MALTA_FPGA_SIZE, &malta_fpga_ops, offsetof(struct malta, fpga)},
    {"cbus-uart", MALTA_CBUS_UART_BASE, MALTA_CBUS_UART_SIZE, &serial16550_stride8_ops,
     offsetof(struct malta, cbus_uart)},
};

/* The ISA ports behind the PIIX4, inside the PCI I/O window (README.md §7.1 here). Every
 * other port reads 0xFF (the i8042 probe then gives up at once). */
static const struct {
    const char *name;
    uint16_t port, size;
    const struct mem_region_ops *ops;
    size_t dev;
} malta_isa[] = {
    {"i8259-master", I8259_MASTER_PORT, I8259_REGION_SIZE, &i8259_master_ops, offsetof(struct malta, pic)},
    {"i8254", I8254_PORT, I8254_REGION_SIZE, &board_pit_ops, offsetof(struct malta, pit)},
    {"rtc", RTC_PORT, RTC_REGION_SIZE, &board_rtc_ops, offsetof(struct malta, rtc)},
    {"i8259-slave", I8259_SLAVE_PORT, I8259_REGION_SIZE, &i8259_slave_ops, offsetof(struct malta, pic)},
    {"ttyS1", SERIAL_COM2_PORT, SERIAL_REGION_SIZE, &serial16550_ops, offsetof(struct malta, tty1)},
    {"ttyS0", SERIAL_COM1_PORT, SERIAL_REGION_SIZE, &serial16550_ops, offsetof(struct malta, tty0)},
    {"elcr", I8259_ELCR_PORT, I8259_ELCR_SIZE, &i8259_elcr_ops, offsetof(struct malta, pic)},
    {"piix4-rcr", PIIX4_RCR_PORT, 1, &piix4_rcr_ops, offsetof(struct malta, piix4)},
};

int malta_create(struct malta **out, struct physmap *pm, struct pmap *ram, uint64_t ram_size,
                 const struct malta_host *host, int64_t rtc_unix_ns, char *err, size_t errlen)
{
    int rc;
    struct malta *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory for the Malta board");
        return -ENOMEM;
    }
    m->host = *host;
    m->physmap = pm;
    m->clock = (struct dev_clock){.now_ns = board_now_ns, .ctx = m};

    /* RAM: the first 256 MiB at phys 0, the whole of it again at 0x80000000 (QEMU
     * hw/mips/malta.c; Linux arch/mips/mti-malta/malta-dtshim.c puts the rest at 0x90000000).
     * Both windows show the same pmap pages; the pmap's canonical base is the high one. */
    uint64_t low = ram_size < MALTA_LOW_RAM_MAX ? ram_size : MALTA_LOW_RAM_MAX;
    rc = physmap_add_pmap(pm, "ram-low", 0, low, ram, 0);
    if (rc == 0)
        rc = physmap_add_pmap(pm, "ram", MALTA_HIGH_RAM_BASE, ram_size, ram, 0);
    if (rc < 0)
        goto err_map;

    /* The monitor flash, mirrored in the boot window: erased, plus the revision register. */
    m->flash = erased_flash_map();
    if (!m->flash) {
        rc = -ENOMEM;
        goto err_map;
    }
    rc = physmap_add_ram(pm, "flash", MALTA_FLASH_BASE, MALTA_FLASH_SIZE, m->flash, true);
    if (rc == 0)
        rc = physmap_add_ram(pm, "boot-window", MALTA_BOOT_BASE, MALTA_FLASH_SIZE, m->flash, true);
    if (rc < 0)
        goto err_map;
    uint32_t rev = MALTA_REVISION;
    physmap_write(pm, MALTA_BOOT_BASE + MALTA_REVISION_OFFSET, &rev, sizeof(rev));

    /* The chips, interrupt sources after their controllers. */
    i8259_init(&m->pic, (struct irq_line){.set = board_cpu_irq, .opaque = m, .n = MALTA_CPU_IRQ_I8259});
    i8254_init(&m->pit, &m->clock, i8259_irq_line(&m->pic, I8254_IRQ));
    rtc_init(&m->rtc, &m->clock, i8259_irq_line(&m->pic, RTC_IRQ), rtc_unix_ns);
    serial_init(&m->tty0, i8259_irq_line(&m->pic, SERIAL_COM1_IRQ), board_tty0_out, m);
    serial_init(&m->tty1, i8259_irq_line(&m->pic, SERIAL_COM2_IRQ), NULL, NULL);
    serial_init(&m->cbus_uart, (struct irq_line){.set = board_cpu_irq, .opaque = m, .n = MALTA_CPU_IRQ_CBUS},
                NULL, NULL);
    malta_fpga_init(&m->fpga, board_reset_request, m);
    gt64120_init(&m->gt, &m->pci, board_iack, &m->pic);
    piix4_init(&m->piix4, board_reset_request, m);

    /* PCI bus 0: the host bridge and the PIIX4's functions in slot 10. */
    pci_bus_plug(&m->pci, MALTA_DEVFN_GT, &m->gt.pci);
    pci_bus_plug(&m->pci, MALTA_DEVFN_PIIX4_ISA, &m->piix4.isa);
    pci_bus_plug(&m->pci, MALTA_DEVFN_PIIX4_IDE, &m->piix4.ide);
    pci_bus_plug(&m->pci, MALTA_DEVFN_PIIX4_PM, &m->pm.pci);

    /* The PCI windows and what lives in them. */
    bus_window_init(&m->pci_io, "pci-io", MALTA_PCI_IO_SIZE);
    bus_window_init(&m->pci_mem0, "pci-mem0", MALTA_PCI_MEM0_SIZE);
    bus_window_init(&m->pci_mem1, "pci-mem1", MALTA_PCI_MEM1_SIZE);
    for (size_t i = 0; i < sizeof(malta_isa) / sizeof(malta_isa[0]); i++) {
        rc = bus_add(&m->pci_io, malta_isa[i].port, malta_isa[i].size, malta_isa[i].ops,
                     (char *)m + malta_isa[i].dev);
        if (rc < 0)
            goto err_map;
    }
    m->pm_range = bus_add(&m->pci_io, 0, PIIX4_PM_IO_SIZE, &piix4_pm_io_ops, &m->pm);
    if (m->pm_range < 0) {
        rc = m->pm_range;
        goto err_map;
    }
    bus_move(&m->pci_io, m->pm_range, 0, false);
    piix4_pm_init(&m->pm, &m->clock, board_map_pm, board_power_off, m);

    for (size_t i = 0; i < sizeof(malta_mmio) / sizeof(malta_mmio[0]); i++) {
        rc = physmap_add_mmio(pm, malta_mmio[i].name, malta_mmio[i].base, malta_mmio[i].size,
                              malta_mmio[i].ops, (char *)m + malta_mmio[i].dev);
        if (rc < 0)
            goto err_map;
    }
    *out = m;
    return 0;

err_map:
    snprintf(err, errlen, "cannot build the Malta board: %s", strerror(-rc));
    malta_destroy(m);
    return rc;
}

void malta_destroy(struct malta *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->npci; i++) {
        virtio_blk_destroy(m->pci_dev[i].blk);
        virtio_net_destroy(m->pci_dev[i].net);
        virtio_balloon_destroy(m->pci_dev[i].balloon);
    }
    if (m->flash)
        munmap(m->flash, MALTA_FLASH_SIZE);
    free(m);
}

void malta_reset(struct malta *m)
{
    i8259_reset(&m->pic);
    i8254_reset(&m->pit);
    serial_reset(&m->tty0);
    serial_reset(&m->tty1);
    serial_reset(&m->cbus_uart);
    malta_fpga_reset(&m->fpga);
    gt64120_reset(&m->gt);
    piix4_reset(&m->piix4);
    piix4_pm_reset(&m->pm);
    rtc_reset_polls(&m->rtc);
    for (unsigned i = 0; i < m->npci; i++)
        virtio_pci_reset(m->pci_dev[i].vp);
}

void malta_update(struct malta *m)
{
    i8254_update(&m->pit);
    rtc_update(&m->rtc);
    for (unsigned i = 0; i < m->npci; i++) {
        if (m->pci_dev[i].blk)
            virtio_blk_poll(m->pci_dev[i].blk);
        else if (m->pci_dev[i].net)
            virtio_net_poll(m->pci_dev[i].net);
        else if (m->pci_dev[i].balloon)
            virtio_balloon_poll(m->pci_dev[i].balloon);
    }
}

uint64_t malta_next_event_ns(const struct malta *m)
{
    uint64_t a = i8254_next_event_ns(&m->pit), b = rtc_next_event_ns(&m->rtc);
    if (b < a)
        a = b;
    for (unsigned i = 0; i < m->npci; i++) {
        uint64_t c = m->pci_dev[i].net ? virtio_net_next_event_ns(m->pci_dev[i].net) : DEV_NO_EVENT;
        if (c < a)
            a = c;
    }
    return a;
}

unsigned malta_console_room(const struct malta *m)
{
    return serial_rx_room(&m->tty0);
}

unsigned malta_console_input(struct malta *m, const uint8_t *buf, unsigned n)
{
    return serial_receive(&m->tty0, buf, n);
}

bool malta_console_break(struct malta *m)
{
    return serial_receive_break(&m->tty0);
}

bool malta_console_rx_empty(const struct malta *m)
{
    return serial_rx_empty(&m->tty0);
}

bool malta_rtc_polling(const struct malta *m)
{
    return rtc_polls_since_other_access(&m->rtc) >= RTC_POLL_THRESHOLD;
}

uint64_t malta_rtc_next_edge_ns(const struct malta *m)
{
    return rtc_next_uip_edge_ns(&m->rtc);
}

void malta_rtc_polls_reset(struct malta *m)
{
    rtc_reset_polls(&m->rtc);
}

void malta_dump(const struct malta *m, FILE *f)
{
    char disp[FPGA_DISPLAY_LEN + 1];
    malta_fpga_display(&m->fpga, disp);
    const struct i8259_chip *a = &m->pic.chip[0], *b = &m->pic.chip[1];
    fprintf(f, "i8259 master irr %02x isr %02x imr %02x  slave irr %02x isr %02x imr %02x  spurious %" PRIu64 "\n",
            a->irr, a->isr, a->imr, b->irr, b->isr, b->imr, m->pic.spurious);
    fprintf(f, "ttyS0 ier %02x lcr %02x mcr %02x rx %u  tx %" PRIu64 " bytes  rx %" PRIu64 " bytes\n",
            m->tty0.ier, m->tty0.lcr, m->tty0.mcr, m->tty0.rx_count, m->tty0.tx_bytes, m->tty0.rx_bytes);
    fprintf(f, "fpga leds %02x display '%s'  gt master aborts %" PRIu64 "\n", m->fpga.leds, disp,
            m->gt.master_aborts);
    for (unsigned i = 0; i < m->npci; i++) {
        const struct virtio_pci *vp = m->pci_dev[i].vp;
        if (m->pci_dev[i].net) {
            const struct virtio_net_stats *st = virtio_net_stats(m->pci_dev[i].net);
            fprintf(f, "virtio-net slot 0x%x status %02x isr %02x inta %d  rx avail taken %u used %u  tx avail taken %u used %u  broken %" PRIu64 "  tx %" PRIu64 " rx %" PRIu64 " frames\n",
                    m->pci_dev[i].slot, vp->status, vp->isr, m->pci_dev[i].level, vp->vq[0].last_avail,
                    vp->vq[0].used_idx, vp->vq[1].last_avail, vp->vq[1].used_idx, vp->broken_count,
                    (uint64_t)st->tx_frames, (uint64_t)st->rx_frames);
            continue;
        }
        if (m->pci_dev[i].balloon) {
            const struct virtio_balloon_stats *st = virtio_balloon_stats(m->pci_dev[i].balloon);
            fprintf(f, "virtio-balloon slot 0x%x status %02x isr %02x inta %d  target %u actual %u pages  inflated %" PRIu64 " deflated %" PRIu64 " reported %" PRIu64 "  broken %" PRIu64 "\n",
                    m->pci_dev[i].slot, vp->status, vp->isr, m->pci_dev[i].level, (unsigned)st->target,
                    (unsigned)st->actual, (uint64_t)st->inflated, (uint64_t)st->deflated, (uint64_t)st->reported,
                    vp->broken_count);
            continue;
        }
        fprintf(f, "virtio-blk slot 0x%x status %02x isr %02x inta %d  avail taken %u used %u  in flight %u  broken %" PRIu64 "\n",
                m->pci_dev[i].slot, vp->status, vp->isr, m->pci_dev[i].level, vp->vq[0].last_avail,
                vp->vq[0].used_idx, virtio_blk_inflight(m->pci_dev[i].blk), vp->broken_count);
    }
}

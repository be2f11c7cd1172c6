/*
 * Fuzzing the Malta's device register interfaces: the input is a sequence of MMIO and port
 * accesses, of every size and alignment, to a Malta board with a virtio disk, a virtio
 * network card (on a switch) and a virtio balloon, as the vCPU issues them (physmap_io_read /
 * physmap_io_write):
 * the PCI I/O window (the ISA ports behind the PIIX4: i8259s, i8254, RTC, the UARTs, PIIX4's
 * power management, and the virtio BARs once the input has placed them), the GT-64120's
 * registers with PCI configuration space behind them, the FPGA, the CBUS UART and the PCI
 * memory windows; between them guest time moves on and the board's events run (vcpu_events:
 * timers, interrupts into CP0). Crash-only: no bad memory access, no undefined behaviour, no
 * abort, whatever the guest writes; a reset or power-off request only stops the VM.
 *
 * Each access is 9 bytes: OP (bits 0-1: 0 read, 1 write, 2 time passes; bits 2-3: size 1, 2,
 * 4, or 1 unaligned-allowed; bits 4-7: the region), OFFSET32, VALUE32.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/malta/malta.h"
#include "monitor/monitor.h"
#include "monitor/options.h"

static struct vm vm;
static bool ready;

/* The regions an access may pick: base, size, whether offsets wrap to 64 KiB (the I/O window). */
static const struct {
    gpa_t base;
    uint32_t size;
} regions[] = {
    {MALTA_PCI_IO_BASE, 0x10000},      {MALTA_PCI_IO_BASE, 0x10000}, {MALTA_PCI_IO_BASE, 0x400},
    {MALTA_PCI_IO_BASE + 0x1000, 0x1000}, {MALTA_GT_BASE, MALTA_GT_SIZE}, {MALTA_GT_BASE + 0xCF8, 8},
    {MALTA_FPGA_BASE, MALTA_FPGA_SIZE}, {MALTA_CBUS_UART_BASE, MALTA_CBUS_UART_SIZE},
    {MALTA_PCI_MEM0_BASE, 0x100000},   {MALTA_PCI_MEM1_BASE, 0x100000},
};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

static void setup(void)
{
    char disk[64], kernel[64], drive[128];
    snprintf(disk, sizeof(disk), "/tmp/mvisor-fuzz-dev.%d.img", (int)getpid());
    snprintf(kernel, sizeof(kernel), "/tmp/mvisor-fuzz-dev.%d.elf", (int)getpid());
    int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
        abort();
    close(fd);
    fd = open(kernel, O_RDWR | O_CREAT | O_TRUNC, 0600); /* named only: never loaded */
    close(fd);
    snprintf(drive, sizeof(drive), "file=%s,if=virtio,format=raw", disk);
    char *argv[] = {"-M", "malta", "-m", "16", "--deterministic", "-serial", "none", "-kernel", kernel,
                    "-drive", drive, "-nic", "switch,switch=fuzz", "-device", "virtio-balloon-pci",
                    NULL};
    int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
    struct vmopt o;
    char err[512];
    vmopt_init(&o, NULL);
    for (int i = 0; i < argc; i++) {
        if (vmopt_parse(&o, argc, argv, &i, err, sizeof(err)) != 1) {
            fprintf(stderr, "fuzz_devices: option %s: %s\n", argv[i], err);
            abort();
        }
    }
    if (vmopt_check(&o, err, sizeof(err)) < 0 || vm_create(&vm, &o.cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_devices: %s\n", err);
        abort();
    }
    unlink(disk); /* open: the drive keeps it */
    unlink(kernel);
    ready = true;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    struct vcpu *v = vm.vcpu;
    /* every input starts from a board reset (what the guest's reset register does) */
    malta_reset(vm.malta);
    vm.stop = false;
    for (size_t at = 0; at + 9 <= size; at += 9) {
        uint8_t op = data[at];
        uint32_t off = rd32(data + at + 1), val = rd32(data + at + 5);
        static const unsigned sizes[4] = {1, 2, 4, 1};
        unsigned sz = sizes[(op >> 2) & 3], r = (op >> 4) % NREGIONS;
        off %= regions[r].size;
        if (((op >> 2) & 3) != 3)
            off &= ~(sz - 1); /* what a load or store of that size reaches */
        if (off + sz > regions[r].size)
            off = regions[r].size - sz;
        gpa_t pa = regions[r].base + off;
        switch (op & 3) {
        case 0:
            (void)physmap_io_read(&vm.physmap, pa, sz);
            break;
        case 1:
            physmap_io_write(&vm.physmap, pa, val, sz);
            break;
        default:
            v->icount += val & 0xFFFFF;
            (void)vcpu_events(v);
            break;
        }
    }
    v->icount += 1000;
    (void)vcpu_events(v);
    return 0;
}

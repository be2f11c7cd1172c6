/*
 * devices: the public interface of emulated hardware.
 *
 * A device registers its register windows in the VM's physmap as
 * (base, size, ops, opaque) and sees only offsets. Interrupt wires are
 * struct irq_line, a callback with a level. Devices run on the vCPU thread;
 * other threads only post events.
 *
 * The bare test machine ("-M testbench") is RAM, a writable boot window and
 * the test device below; ISA tests report through it.
 */
#ifndef MVISOR_DEVICES_H
#define MVISOR_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shadow-mmu/shadow_mmu.h"

struct irq_line {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
};

static inline void irq_set(const struct irq_line *l, int level)
{
    if (l->set)
        l->set(l->opaque, l->n, level);
}

/*
 * Guest time for devices: nanoseconds on the VM's clock (host time in
 * real-time mode, a function of executed instructions in deterministic
 * mode). Devices with timers also offer next_event_ns(), which the vCPU
 * loop polls so that deterministic mode can jump to the next deadline.
 */
struct dev_clock {
    uint64_t (*now_ns)(void *ctx);
    void *ctx;
};

static inline uint64_t dev_now_ns(const struct dev_clock *c)
{
    return c->now_ns(c->ctx);
}

#define DEV_NO_EVENT UINT64_MAX

/*
 * The test device, at TESTDEV_BASE (physical; kseg1 0xBFB00000).
 * All registers are 32-bit.
 *   +0x00 W  RESULT: 0 = pass, anything else = fail; stops the machine
 *   +0x04 W  PUTC:   low byte to the console
 *   +0x08 RW CHECK:  number of the check in progress (reported on failure)
 *   +0x0C RW IRQ:    bits 0..5 drive hardware interrupt lines IP2..IP7
 *   +0x10 R  ICOUNT: low 32 bits of the retired-instruction count
 *   +0x14 RW EXCEPTIONS: exceptions the program took (written by the start-up code
 *                    before RESULT; the monitor prints it with the check count)
 */
#define TESTDEV_BASE 0x1FB00000u
#define TESTDEV_SIZE 0x1000u
#define TESTDEV_RESULT 0x00
#define TESTDEV_PUTC 0x04
#define TESTDEV_CHECK 0x08
#define TESTDEV_IRQ 0x0C
#define TESTDEV_ICOUNT 0x10
#define TESTDEV_EXCEPTIONS 0x14

enum testdev_state { TESTDEV_RUNNING = 0, TESTDEV_PASSED, TESTDEV_FAILED };

struct testdev {
    enum testdev_state state;
    uint32_t result;
    uint32_t check;
    uint32_t exceptions;
    uint32_t irq_bits;
    struct irq_line irq[6]; /* IP2..IP7 */
    uint64_t (*icount)(void *ctx);
    void *icount_ctx;
    FILE *console;
    bool *stop; /* set when RESULT is written */
};

/* Registers the test device at TESTDEV_BASE in pm. */
int testdev_init(struct testdev *d, struct physmap *pm);

/*
 * The Malta board (devices/malta/): GT-64120, PIIX4 (i8259 pair, i8254,
 * MC146818 RTC, power management), 16550 UARTs, FPGA registers, boot ROM.
 * It owns nothing of the CPU: interrupts, power events, console output and
 * guest time go through struct malta_host, which the monitor provides.
 * Every call runs on the vCPU thread.
 */
enum malta_power { MALTA_POWER_OFF = 1, MALTA_POWER_RESET = 2 };

/* All of guest RAM is visible at this physical address (the first 256 MiB also at 0). */
#define MALTA_RAM_ALL_BASE 0x80000000ull

struct malta_host {
    void *ctx;
    uint64_t (*now_ns)(void *ctx);                   /* guest time */
    void (*cpu_irq)(void *ctx, int line, int level); /* Cause.IP2 + line */
    void (*power)(void *ctx, enum malta_power what); /* PIIX4 soft-off, FPGA SOFTRES */
    /* A device deadline may have moved, or the guest is busy-polling the RTC: the vCPU should
     * look at the board (malta_next_event_ns, malta_rtc_polling) before its next instruction. */
    void (*attention)(void *ctx);
    void (*serial_out)(void *ctx, uint8_t byte);     /* bytes ttyS0 transmits */
    /* From any thread: a device's I/O thread finished something; the vCPU thread should call
     * malta_update soon (and wake from WAIT to do so). */
    void (*kick)(void *ctx);
    /* Deterministic runs: device I/O is complete when the guest's access that started it
     * returns, so guest time alone decides when it finishes. */
    bool synchronous_io;
};

struct malta;

/* Builds the board in pm around ram (ram_size bytes: the first 256 MiB at phys 0, all of it at
 * 0x80000000); the RTC reads rtc_unix_ns (ns since 1970 UTC) now. -errno with a message. */
int malta_create(struct malta **out, struct physmap *pm, struct pmap *ram, uint64_t ram_size,
                 const struct malta_host *host, int64_t rtc_unix_ns, char *err, size_t errlen);
void malta_destroy(struct malta *m);
/* Every device back to the state the boot firmware leaves (the RTC keeps its time). */
void malta_reset(struct malta *m);
/* Delivers timer events due at the current guest time. */
void malta_update(struct malta *m);
/* Guest time of the next timer event, or DEV_NO_EVENT. */
uint64_t malta_next_event_ns(const struct malta *m);
/* Console input into ttyS0: bytes it can take now, and handing them over (returns how many). */
unsigned malta_console_room(const struct malta *m);
unsigned malta_console_input(struct malta *m, const uint8_t *buf, unsigned n);
/* A line break on ttyS0's input (false: no room yet). */
bool malta_console_break(struct malta *m);
bool malta_console_rx_empty(const struct malta *m);
/* The RTC update-flag busy-wait: whether the guest is in it, when UIP next changes, and
 * restarting the detector after the monitor moved the clock. */
bool malta_rtc_polling(const struct malta *m);
uint64_t malta_rtc_next_edge_ns(const struct malta *m);
void malta_rtc_polls_reset(struct malta *m);
/* PCI slots whose INTA the guest routes (Linux arch/mips/pci/fixup-malta.c irq_tab: 11, 12,
 * 18-21); a plug-in device must sit in one of them. */
bool malta_pci_slot_routed(unsigned slot);
#define MALTA_MAX_PCI_DEVICES 6
struct blk;
/* Plugs a virtio-blk-pci function over an open backend (the caller keeps it and closes it after
 * malta_destroy) into slot (routed, free); serial is what GET_ID answers (may be NULL). */
int malta_add_virtio_blk(struct malta *m, unsigned slot, struct blk *b, const char *serial, char *err,
                         size_t errlen);
struct netdev;
struct virtio_net;
/* Plugs a virtio-net-pci function talking to nd (the caller destroys nd before malta_destroy)
 * into slot (routed, free), with the MAC address mac and the offloads opts
 * (VIRTIO_NET_OPT_*, devices/virtio/virtio.h). */
int malta_add_virtio_net(struct malta *m, unsigned slot, struct netdev *nd, const uint8_t mac[6], unsigned opts,
                         char *err, size_t errlen);
/* The i-th virtio-net function in the order they were added, or NULL. */
struct virtio_net *malta_virtio_net(struct malta *m, unsigned i);
struct virtio_balloon;
struct virtio_balloon_opts;
/* Plugs a virtio-balloon-pci function (devices/virtio/virtio.h) into slot (routed, free);
 * actual_changed(ctx, pages) runs on the vCPU thread when the driver reports a new size. */
int malta_add_virtio_balloon(struct malta *m, unsigned slot, const struct virtio_balloon_opts *opts,
                             void (*actual_changed)(void *ctx, uint32_t pages), void *ctx, char *err, size_t errlen);
/* The balloon, or NULL. */
struct virtio_balloon *malta_virtio_balloon(struct malta *m);
/* One-line-per-device state for the wedge dump. */
void malta_dump(const struct malta *m, FILE *f);

#endif

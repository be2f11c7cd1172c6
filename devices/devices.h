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
 */
#define TESTDEV_BASE 0x1FB00000u
#define TESTDEV_SIZE 0x1000u
#define TESTDEV_RESULT 0x00
#define TESTDEV_PUTC 0x04
#define TESTDEV_CHECK 0x08
#define TESTDEV_IRQ 0x0C
#define TESTDEV_ICOUNT 0x10

enum testdev_state { TESTDEV_RUNNING = 0, TESTDEV_PASSED, TESTDEV_FAILED };

struct testdev {
    enum testdev_state state;
    uint32_t result;
    uint32_t check;
    uint32_t irq_bits;
    struct irq_line irq[6]; /* IP2..IP7 */
    uint64_t (*icount)(void *ctx);
    void *icount_ctx;
    FILE *console;
    bool *stop; /* set when RESULT is written */
};

/* Registers the test device at TESTDEV_BASE in pm. */
int testdev_init(struct testdev *d, struct physmap *pm);

#endif

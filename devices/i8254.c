/*
 * The i8254 interval timer at ports 0x40-0x43: three 16-bit down-counters
 * clocked at 1.193182 MHz; channel 0's OUT is ISA IRQ 0.
 *
 * Nothing ticks: a channel keeps its reload value and the guest time its
 * count started, and counter and OUT are computed from the elapsed clocks.
 * Channel 0 interrupts come from i8254_update(), which the vCPU loop calls
 * at the deadline i8254_next_event_ns() names. The edge-triggered 8259
 * latches OUT's rising edges, so modes 2 and 3 send one 0->1->0 pulse per
 * period (overdue periods collapse into one, as in the 8259's IRR) and
 * mode 0 leaves the line high until the channel is reprogrammed.
 *
 * Linux on Malta programs channel 0 once (0x34: mode 2, divisor 4773, 4 ms)
 * and stops it for the CP0 timer (Linux drivers/clocksource/i8253.c).
 */
#include "devices/pc_devices.h"

#define NS_PER_SEC 1000000000ull

/* Control word fields (Intel 82C54 datasheet, "Control Word Format"). */
#define CW_SC(v) ((v) >> 6)         /* channel; 3 = read-back */
#define CW_RW(v) (((v) >> 4) & 3)   /* 0 = latch, 1 lo, 2 hi, 3 lo/hi */
#define CW_MODE(v) (((v) >> 1) & 7) /* 6 and 7 alias 2 and 3 */
#define CW_BCD 0x01
#define RB_NO_COUNT 0x20            /* read-back: 0 = latch the counts */
#define RB_NO_STATUS 0x10           /* read-back: 0 = latch the statuses */

enum { RW_LATCH = 0, RW_LO = 1, RW_HI = 2, RW_WORD = 3 };

static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)((unsigned __int128)a * b / c);
}

/* Clocks counted since the channel was (re)started. */
static uint64_t pit_elapsed(const struct i8254 *pit, const struct i8254_channel *c)
{
    uint64_t now = dev_now_ns(&pit->clock);
    return now > c->load_ns ? muldiv(now - c->load_ns, I8254_FREQ_HZ, NS_PER_SEC) : 0;
}

/* First guest time at which pit_elapsed() reaches clocks (rounded up, so it is never early). */
static uint64_t pit_clocks_to_ns(const struct i8254_channel *c, uint64_t clocks)
{
    unsigned __int128 num = (unsigned __int128)clocks * NS_PER_SEC + I8254_FREQ_HZ - 1;
    return c->load_ns + (uint64_t)(num / I8254_FREQ_HZ);
}

static uint32_t pit_from_bcd(uint16_t v)
{
    uint32_t n = ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
    return n ? n : 10000;
}

static uint16_t pit_to_bcd(uint32_t n)
{
    n %= 10000;
    return (uint16_t)((n / 1000) << 12 | (n / 100 % 10) << 8 | (n / 10 % 10) << 4 | n % 10);
}

/* The counting element's value now (what a latch captures). */
static uint16_t pit_counter(const struct i8254 *pit, const struct i8254_channel *c)
{
    uint32_t v;

    if (!c->running) {
        v = c->count;
    } else {
        uint64_t d = pit_elapsed(pit, c);
        switch (c->mode) {
        case 2: /* count, count-1, ..., 1, reload */
            v = c->count - (uint32_t)(d % c->count);
            break;
        case 3: /* decrements by two, twice per period */
            v = c->count - (uint32_t)((2 * d) % c->count);
            break;
        default: /* 0, 1, 4, 5: count down and keep wrapping past zero */
            v = (uint32_t)((c->count - d) & 0xFFFF);
            break;
        }
    }
    return c->bcd ? pit_to_bcd(v) : (uint16_t)v;
}

int i8254_get_out(const struct i8254 *pit, int ch)
{
    const struct i8254_channel *c = &pit->ch[ch & 3];

    /* After a control word OUT is low in mode 0 and high in the others. */
    if (!c->running)
        return c->mode != 0;
    uint64_t d = pit_elapsed(pit, c);
    switch (c->mode) {
    case 0: return d >= c->count;
    case 1: return d >= c->count;
    case 2: return d % c->count != c->count - 1; /* low for the clock at count 1 */
    case 3: return d % c->count < (c->count + 1) / 2;
    default: return d != c->count;               /* 4, 5: one-clock strobe */
    }
}

static void pit_irq0(struct i8254 *pit, int level)
{
    if (pit->irq0_level != level) {
        pit->irq0_level = level;
        irq_set(&pit->irq0, level);
    }
}

void i8254_update(struct i8254 *pit)
{
    struct i8254_channel *c = &pit->ch[0];

    if (!c->running)
        return;
    uint64_t d = pit_elapsed(pit, c);
    switch (c->mode) {
    case 2:
    case 3: {
        /* OUT rises when the counter reloads, at every multiple of count. */
        uint64_t k = d / c->count;
        if (k > c->periods_done) {
            c->periods_done = k;
            pit_irq0(pit, 1);
            pit_irq0(pit, 0);
        }
        break;
    }
    case 0:
    case 1:
        /* OUT rises at terminal count and stays high. */
        if (!c->fired && d >= c->count) {
            c->fired = true;
            pit_irq0(pit, 1);
        }
        break;
    default:
        /* Modes 4/5: one strobe at terminal count. */
        if (!c->fired && d >= c->count) {
            c->fired = true;
            pit_irq0(pit, 1);
            pit_irq0(pit, 0);
        }
        break;
    }
}

uint64_t i8254_next_event_ns(const struct i8254 *pit)
{
    const struct i8254_channel *c = &pit->ch[0];

    if (!c->running)
        return DEV_NO_EVENT;
    if (c->mode == 2 || c->mode == 3)
        return pit_clocks_to_ns(c, (c->periods_done + 1) * c->count);
    if (c->fired)
        return DEV_NO_EVENT;
    return pit_clocks_to_ns(c, c->count);
}

/* Stops a channel's counting; channel 0 drops IRQ 0 (OUT is low or our pulse is over). */
static void pit_stop(struct i8254 *pit, int ch)
{
    struct i8254_channel *c = &pit->ch[ch];
    c->running = false;
    c->fired = false;
    c->periods_done = 0;
    if (ch == 0)
        pit_irq0(pit, 0);
}

/* A complete count was written: it is loaded and counting starts now. */
static void pit_load(struct i8254 *pit, int ch, uint16_t val)
{
    struct i8254_channel *c = &pit->ch[ch];

    pit_stop(pit, ch);
    if (c->bcd)
        c->count = pit_from_bcd(val);
    else
        c->count = val ? val : 0x10000; /* 0 is the maximum, 2^16 */
    c->load_ns = dev_now_ns(&pit->clock);
    c->null_count = false;
    /* Modes 1 and 5 wait for a rising edge of GATE; the rest start now. */
    c->running = c->mode != 1 && c->mode != 5;
}

static void pit_latch_count(struct i8254 *pit, struct i8254_channel *c)
{
    if (c->latch_bytes)
        return; /* a second latch before the first is read is ignored */
    c->latched_count = pit_counter(pit, c);
    c->latch_bytes = c->rw_mode == RW_WORD ? 2 : 1;
}

static void pit_latch_status(struct i8254 *pit, int ch)
{
    struct i8254_channel *c = &pit->ch[ch];
    if (c->status_latched)
        return;
    c->status = (uint8_t)(i8254_get_out(pit, ch) << 7 | c->null_count << 6 | c->rw_mode << 4 |
                          c->mode << 1 | c->bcd);
    c->status_latched = true;
}

static void pit_control(struct i8254 *pit, uint8_t val)
{
    if (CW_SC(val) == 3) {
        /* Read-back command: bits 1-3 select channels. */
        for (int ch = 0; ch < 3; ch++) {
            if (!(val & (2u << ch)))
                continue;
            if (!(val & RB_NO_STATUS))
                pit_latch_status(pit, ch);
            if (!(val & RB_NO_COUNT))
                pit_latch_count(pit, &pit->ch[ch]);
        }
        return;
    }

    int ch = CW_SC(val);
    struct i8254_channel *c = &pit->ch[ch];
    if (CW_RW(val) == RW_LATCH) {
        pit_latch_count(pit, c);
        return;
    }
    /* A new mode: the channel stops until a count is written. */
    if (ch == 0)
        i8254_update(pit); /* deliver what was due under the old programming */
    pit_stop(pit, ch);
    c->rw_mode = CW_RW(val);
    c->mode = CW_MODE(val) > 5 ? CW_MODE(val) & 3 : CW_MODE(val);
    c->bcd = val & CW_BCD;
    c->null_count = true;
    c->write_lo_next = 1;
    c->read_lo_next = 1;
    c->latch_bytes = 0;
    c->status_latched = false;
}

static void pit_write_data(struct i8254 *pit, int ch, uint8_t val)
{
    struct i8254_channel *c = &pit->ch[ch];

    if (ch == 0)
        i8254_update(pit);
    switch (c->rw_mode) {
    case RW_LO:
        pit_load(pit, ch, val);
        break;
    case RW_HI:
        pit_load(pit, ch, (uint16_t)(val << 8));
        break;
    default:
        if (c->write_lo_next) {
            c->write_latch = val;
            c->write_lo_next = 0;
            /* Mode 0: writing the first byte stops the count (82C54 datasheet, Mode 0). */
            if (c->mode == 0)
                pit_stop(pit, ch);
        } else {
            c->write_lo_next = 1;
            pit_load(pit, ch, (uint16_t)(c->write_latch | val << 8));
        }
        break;
    }
}

static uint8_t pit_read_data(struct i8254 *pit, int ch)
{
    struct i8254_channel *c = &pit->ch[ch];

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_bytes) {
        /* Lo/hi access reads the latch low byte first; single-byte modes read their byte. */
        bool lo = c->latch_bytes == 2 || c->rw_mode == RW_LO;
        c->latch_bytes--;
        return lo ? (uint8_t)c->latched_count : (uint8_t)(c->latched_count >> 8);
    }
    uint16_t v = pit_counter(pit, c);
    switch (c->rw_mode) {
    case RW_LO: return (uint8_t)v;
    case RW_HI: return (uint8_t)(v >> 8);
    default:
        c->read_lo_next ^= 1;
        return c->read_lo_next ? (uint8_t)(v >> 8) : (uint8_t)v;
    }
}

void i8254_set_gate(struct i8254 *pit, int ch, int level)
{
    struct i8254_channel *c = &pit->ch[ch & 3];
    bool rising = level && !c->gate;

    c->gate = level != 0;
    if (!rising || c->null_count)
        return;
    /* A rising GATE triggers modes 1/5 and restarts modes 2/3 (82C54 datasheet, "Gate"). */
    if (c->mode == 1 || c->mode == 5 || c->mode == 2 || c->mode == 3) {
        if (ch == 0)
            i8254_update(pit);
        c->load_ns = dev_now_ns(&pit->clock);
        c->running = true;
        c->fired = false;
        c->periods_done = 0;
    }
}

void i8254_reset(struct i8254 *pit)
{
    /*
     * The datasheet leaves mode, count and OUT undefined at power-up. We
     * keep every channel idle (no count) in mode 3, lo/hi access, so no
     * event fires until the guest programs one; GATE is tied high except
     * channel 2's (QEMU hw/timer/i8254_common.c pit_reset_common).
     */
    for (int ch = 0; ch < 3; ch++) {
        pit->ch[ch] = (struct i8254_channel){
            .count = 0x10000,
            .mode = 3,
            .rw_mode = RW_WORD,
            .gate = ch != 2,
            .null_count = true,
            .write_lo_next = 1,
            .read_lo_next = 1,
        };
    }
    pit_irq0(pit, 0);
}

void i8254_init(struct i8254 *pit, const struct dev_clock *clock, struct irq_line irq0)
{
    *pit = (struct i8254){ .clock = *clock, .irq0 = irq0 };
    i8254_reset(pit);
}

static uint64_t i8254_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    off &= 3;
    /* The control register is write-only; QEMU hw/timer/i8254.c reads it as 0. */
    if (off == 3)
        return 0;
    return pit_read_data(opaque, (int)off);
}

static void i8254_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)size;
    off &= 3;
    if (off == 3)
        pit_control(opaque, (uint8_t)val);
    else
        pit_write_data(opaque, (int)off, (uint8_t)val);
}

const struct mem_region_ops i8254_ops = {
    .read = i8254_read,
    .write = i8254_write,
};

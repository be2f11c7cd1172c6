/*
 * Unit tests of the MC146818 RTC against a fake guest clock that advances
 * a fixed step on every port access, the way a polling guest spends time.
 * The central case replays Linux's CPU-frequency estimate (Linux
 * arch/mips/mti-malta/malta-time.c init_rtc + estimate_frequencies; see
 * devices/malta/README.md §5.1) from several starting phases and checks it
 * measures exactly one second of guest time, with and without the
 * monitor's UIP fast-forward. Also: reset values, BCD/binary and 12/24 h
 * formats, calendar carries, SET and divider reset, register C
 * read-to-clear with IRQ 8, update/alarm/periodic interrupts and deadlines,
 * CMOS storage and the poll counter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/pc_devices.h"

#define NS 1000000000ll
#define EPOCH_NS (RTC_DETERMINISTIC_EPOCH_SEC * NS) /* 2026-01-01 00:00:00, a Thursday */
#define T0 5000000ll /* guest time at creation: not zero, to catch base mistakes */

struct fake_clock {
    uint64_t now;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now;
}

struct fake_line {
    int level;
    int rises;
};

static void fake_line_set(void *opaque, int n, int level)
{
    struct fake_line *f = opaque;
    (void)n;
    if (level && !f->level)
        f->rises++;
    f->level = level;
}

struct rig {
    struct rtc146818 rtc;
    struct fake_clock clk;
    struct fake_line irq8;
    uint64_t step;         /* guest ns per port access */
    bool fast_forward;     /* play the monitor: skip pure UIP polling */
    uint64_t reads, jumps;
};

static void rig_init(struct rig *r, int64_t base_unix_ns)
{
    struct dev_clock c = { .now_ns = fake_now, .ctx = &r->clk };
    struct irq_line l = { .set = fake_line_set, .opaque = &r->irq8, .n = RTC_IRQ };
    r->clk.now = T0;
    rtc_init(&r->rtc, &c, l, base_unix_ns);
}

static int setup(void **state)
{
    struct rig *r = test_calloc(1, sizeof(*r));
    rig_init(r, EPOCH_NS);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    test_free(*state);
    return 0;
}

/* Linux CMOS_READ(): index to 0x70, data from 0x71. */
static uint8_t cmos_read(struct rig *r, uint8_t idx)
{
    r->clk.now += r->step;
    rtc146818_ops.write(&r->rtc, 0, idx, 1);
    r->clk.now += r->step;
    uint8_t v = (uint8_t)rtc146818_ops.read(&r->rtc, 1, 1);
    r->reads++;
    if (r->fast_forward && rtc_polls_since_other_access(&r->rtc) >= 64) {
        /* What the monitor does when the guest only polls register A. */
        uint64_t t = rtc_next_uip_edge_ns(&r->rtc);
        if (t != DEV_NO_EVENT && t > r->clk.now)
            r->clk.now = t;
        rtc_reset_polls(&r->rtc);
        r->jumps++;
    }
    return v;
}

static void cmos_write(struct rig *r, uint8_t idx, uint8_t v)
{
    r->clk.now += r->step;
    rtc146818_ops.write(&r->rtc, 0, idx, 1);
    r->clk.now += r->step;
    rtc146818_ops.write(&r->rtc, 1, v, 1);
}

/* read_c0_count(), with Count running at 1 GHz: it is guest time. It costs as long as a CMOS_READ. */
static uint64_t read_count(struct rig *r)
{
    r->clk.now += 2 * r->step;
    return r->clk.now;
}

static int bcd2bin(uint8_t v)
{
    return (v >> 4) * 10 + (v & 15);
}

struct estimate {
    uint64_t start, count;
    int secs;
};

/* plat_time_init()'s RTC part, access for access. */
static struct estimate linux_estimate(struct rig *r)
{
    struct estimate e;
    uint8_t a = cmos_read(r, RTC_REG_A);
    if ((a & 0x70) != 0x20)
        cmos_write(r, RTC_REG_A, (a & 0x8F) | 0x20);
    uint8_t b = cmos_read(r, RTC_REG_B);
    if (b & RTC_B_SET)
        cmos_write(r, RTC_REG_B, b & ~RTC_B_SET);

    while (cmos_read(r, RTC_REG_A) & RTC_A_UIP)
        ;
    while (!(cmos_read(r, RTC_REG_A) & RTC_A_UIP))
        ;
    e.start = read_count(r);
    while (cmos_read(r, RTC_REG_A) & RTC_A_UIP)
        ;
    uint8_t s1 = cmos_read(r, RTC_REG_SECONDS);
    while (!(cmos_read(r, RTC_REG_A) & RTC_A_UIP))
        ;
    e.count = read_count(r) - e.start;
    while (cmos_read(r, RTC_REG_A) & RTC_A_UIP)
        ;
    uint8_t s2 = cmos_read(r, RTC_REG_SECONDS);
    uint8_t ctrl = cmos_read(r, RTC_REG_B);
    if (!(ctrl & RTC_B_DM)) {
        s1 = (uint8_t)bcd2bin(s1);
        s2 = (uint8_t)bcd2bin(s2);
    }
    e.secs = s2 - s1;
    if (e.secs < 1)
        e.secs += 60;
    return e;
}

static void test_reset_values(void **state)
{
    struct rig *r = *state;
    assert_int_equal(cmos_read(r, RTC_REG_A), 0x26);
    assert_int_equal(cmos_read(r, RTC_REG_B), 0x02);
    assert_int_equal(cmos_read(r, RTC_REG_C), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_D), 0x80);
    assert_int_equal(rtc146818_ops.read(&r->rtc, 0, 1), 0xFF);
    assert_int_equal(r->irq8.level, 0);
    assert_true(rtc_next_event_ns(&r->rtc) == DEV_NO_EVENT);
}

static void test_epoch_time_bcd(void **state)
{
    struct rig *r = *state;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_MINUTES), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_WEEK), 5); /* Thursday */
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_MONTH), 0x01);
    assert_int_equal(cmos_read(r, RTC_REG_MONTH), 0x01);
    assert_int_equal(cmos_read(r, RTC_REG_YEAR), 0x26);
    assert_int_equal(cmos_read(r, RTC_REG_CENTURY), 0x20);
    r->clk.now = T0 + 3723 * NS; /* 01:02:03 */
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x01);
    assert_int_equal(cmos_read(r, RTC_REG_MINUTES), 0x02);
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x03);
    assert_int_equal(rtc_unix_time(&r->rtc), RTC_DETERMINISTIC_EPOCH_SEC + 3723);
}

static void test_calendar_carry(void **state)
{
    struct rig *r = *state;
    rig_init(r, 1709251199ll * NS + NS / 2); /* 2024-02-29 23:59:59.5 */
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_MONTH), 0x29);
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_WEEK), 5);
    r->clk.now = T0 + NS / 2;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_MONTH), 0x01);
    assert_int_equal(cmos_read(r, RTC_REG_MONTH), 0x03);
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_WEEK), 6); /* Friday */

    rig_init(r, 4102444799ll * NS); /* 2099-12-31 23:59:59 */
    r->clk.now = T0 + NS;
    assert_int_equal(cmos_read(r, RTC_REG_YEAR), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_CENTURY), 0x21);
    assert_int_equal(cmos_read(r, RTC_REG_MONTH), 0x01);
}

static void test_formats(void **state)
{
    struct rig *r = *state;
    rig_init(r, (RTC_DETERMINISTIC_EPOCH_SEC + 13 * 3600 + 5 * 60) * NS); /* 13:05:00 */
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x13);
    cmos_write(r, RTC_REG_B, 0x00); /* BCD, 12 h */
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x81);
    cmos_write(r, RTC_REG_B, RTC_B_DM); /* binary, 12 h */
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x81);
    cmos_write(r, RTC_REG_B, RTC_B_DM | RTC_B_24H);
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 13);
    assert_int_equal(cmos_read(r, RTC_REG_MINUTES), 5);
    assert_int_equal(cmos_read(r, RTC_REG_YEAR), 26);
    /* Midnight and noon in 12 h mode. */
    rig_init(r, EPOCH_NS);
    cmos_write(r, RTC_REG_B, 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x12);
    r->clk.now = T0 + 12 * 3600 * NS;
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x92);
}

/* UIP rises 244 us before the boundary; SECONDS steps exactly when it falls. */
static void test_uip_window_and_seconds_edge(void **state)
{
    struct rig *r = *state;
    int64_t rise = T0 + NS - RTC_UIP_HOLD_NS;

    r->clk.now = rise - 1;
    rtc146818_ops.write(&r->rtc, 0, RTC_REG_A, 1);
    assert_int_equal(rtc146818_ops.read(&r->rtc, 1, 1), 0x26);
    assert_int_equal(rtc_next_uip_edge_ns(&r->rtc), rise);
    r->clk.now = rise;
    assert_int_equal(rtc146818_ops.read(&r->rtc, 1, 1), 0xA6);
    assert_int_equal(rtc_next_uip_edge_ns(&r->rtc), T0 + NS);
    rtc146818_ops.write(&r->rtc, 0, RTC_REG_SECONDS, 1);
    r->clk.now = T0 + NS - 1;
    assert_int_equal(rtc146818_ops.read(&r->rtc, 1, 1), 0x00); /* still the old second */
    r->clk.now = T0 + NS;
    assert_int_equal(rtc146818_ops.read(&r->rtc, 1, 1), 0x01);
    rtc146818_ops.write(&r->rtc, 0, RTC_REG_A, 1);
    assert_int_equal(rtc146818_ops.read(&r->rtc, 1, 1), 0x26);
    assert_int_equal(rtc_next_uip_edge_ns(&r->rtc), rise + NS);
}

static void check_estimate(struct rig *r, int64_t base_unix_ns, uint64_t step, bool ff)
{
    rig_init(r, base_unix_ns);
    r->step = step;
    r->fast_forward = ff;
    r->reads = r->jumps = 0;
    uint64_t begin = r->clk.now;
    struct estimate e = linux_estimate(r);

    assert_int_equal(e.secs, 1);
    assert_true(r->clk.now - begin <= 3 * (uint64_t)NS);
    if (NS % (2 * step) == 0) {
        /* Polls fall on the same phase of every second: the interval is exact. */
        assert_int_equal(e.count, NS);
    } else {
        assert_true(e.count > NS - 2 * step && e.count < NS + 2 * step);
    }
    assert_int_equal(e.count / e.secs, e.count);
}

static void test_linux_frequency_estimate(void **state)
{
    struct rig *r = *state;
    /* Start at the top of a second, mid-second, inside UIP, and at the rising edge. */
    static const int64_t phases[] = { 0, NS / 2, NS - 100000, NS - RTC_UIP_HOLD_NS, NS - 1 };
    for (unsigned i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        check_estimate(r, EPOCH_NS + phases[i], 500, false);
        assert_true(r->reads > 1000000); /* it really polled ~2 s worth */
        check_estimate(r, EPOCH_NS + phases[i], 1237, false);
    }
}

static void test_linux_frequency_estimate_fast_forward(void **state)
{
    struct rig *r = *state;
    static const int64_t phases[] = { 0, NS / 2, NS - 100000, NS - RTC_UIP_HOLD_NS, NS - 1 };
    for (unsigned i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        check_estimate(r, EPOCH_NS + phases[i], 500, true);
        assert_true(r->reads < 2000);
        assert_true(r->jumps >= 3);
        check_estimate(r, EPOCH_NS + phases[i], 1237, true);
    }
}

static void test_poll_counter(void **state)
{
    struct rig *r = *state;
    r->step = 10;
    for (int i = 0; i < 5; i++)
        cmos_read(r, RTC_REG_A);
    assert_int_equal(rtc_polls_since_other_access(&r->rtc), 5);
    rtc146818_ops.write(&r->rtc, 0, RTC_REG_A, 1); /* index writes are neutral */
    assert_int_equal(rtc_polls_since_other_access(&r->rtc), 5);
    cmos_read(r, RTC_REG_SECONDS);
    assert_int_equal(rtc_polls_since_other_access(&r->rtc), 0);
    cmos_read(r, RTC_REG_A);
    cmos_write(r, 0x20, 1);
    assert_int_equal(rtc_polls_since_other_access(&r->rtc), 0);
    cmos_read(r, RTC_REG_A);
    rtc_reset_polls(&r->rtc);
    assert_int_equal(rtc_polls_since_other_access(&r->rtc), 0);
}

static void test_register_c_read_clears_uf_irq(void **state)
{
    struct rig *r = *state;
    cmos_write(r, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    assert_int_equal(rtc_next_event_ns(&r->rtc), T0 + NS);
    r->clk.now = T0 + NS - 1;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 0);
    r->clk.now = T0 + NS;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 1);
    assert_true(rtc_next_event_ns(&r->rtc) == DEV_NO_EVENT); /* line already high */
    /* PF is set too: rate 6 (1024 Hz) runs whether or not PIE is set (datasheet, Register C). */
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    assert_int_equal(r->irq8.level, 0);
    assert_int_equal(cmos_read(r, RTC_REG_C), 0x00);
    assert_int_equal(rtc_next_event_ns(&r->rtc), T0 + 2 * NS);
    assert_int_equal(r->irq8.rises, 1);
}

static void test_flags_without_enable(void **state)
{
    struct rig *r = *state;
    /* UF is set by every update even with UIE clear, but IRQF and the line stay low. */
    cmos_write(r, RTC_REG_A, 0x20); /* no periodic rate: only UF can appear */
    r->clk.now = T0 + 2 * NS;
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_UF);
    r->clk.now = T0 + 3 * NS;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 0);
    /* Enabling an interrupt whose flag is already set raises IRQ 8 at once. */
    cmos_write(r, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    assert_int_equal(r->irq8.level, 1);
    cmos_write(r, RTC_REG_B, RTC_B_24H);
    assert_int_equal(r->irq8.level, 0);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_UF);
}

static void test_periodic_interrupt(void **state)
{
    struct rig *r = *state;
    cmos_write(r, RTC_REG_B, RTC_B_PIE | RTC_B_24H); /* A = 0x26: 1024 Hz */
    /* 32 ticks of 32.768 kHz = 976562.5 ns after the divider origin (T0). */
    assert_int_equal(rtc_next_event_ns(&r->rtc), T0 + 976563);
    r->clk.now = T0 + 976562;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 0);
    r->clk.now = T0 + 976563;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 1);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    assert_int_equal(r->irq8.level, 0);
    assert_int_equal(rtc_next_event_ns(&r->rtc), T0 + 1953125);
    /* Rate 15: 2 Hz. */
    cmos_write(r, RTC_REG_A, 0x2F);
    assert_int_equal(rtc_next_event_ns(&r->rtc), T0 + NS / 2);
    /* Rate 0 turns it off. */
    cmos_write(r, RTC_REG_A, 0x20);
    assert_true(rtc_next_event_ns(&r->rtc) == DEV_NO_EVENT);
}

static void test_alarm(void **state)
{
    struct rig *r = *state;
    cmos_write(r, RTC_REG_A, 0x20); /* no periodic flag in the way */
    cmos_write(r, RTC_REG_SECONDS_ALARM, 0x05);
    cmos_write(r, RTC_REG_MINUTES_ALARM, 0x00);
    cmos_write(r, RTC_REG_HOURS_ALARM, 0x00);
    cmos_write(r, RTC_REG_B, RTC_B_AIE | RTC_B_24H);
    /* Follow the deadlines like the vCPU loop until IRQ 8 rises. */
    while (!r->irq8.level) {
        uint64_t t = rtc_next_event_ns(&r->rtc);
        assert_true(t != DEV_NO_EVENT);
        r->clk.now = t;
        rtc_update(&r->rtc);
    }
    assert_int_equal(r->clk.now, T0 + 5 * NS);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    /* Don't-care seconds: every second of minute 0 matches. */
    cmos_write(r, RTC_REG_SECONDS_ALARM, 0xC0);
    r->clk.now = T0 + 6 * NS;
    rtc_update(&r->rtc);
    assert_int_equal(r->irq8.level, 1);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    /* A jump over the alarm second still sets AF. */
    cmos_write(r, RTC_REG_SECONDS_ALARM, 0x30);
    r->clk.now = T0 + 50 * NS;
    rtc_update(&r->rtc);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
}

/* Linux mc146818_set_time(): SET, the fields, then SET cleared. */
static void test_set_time(void **state)
{
    struct rig *r = *state;
    r->clk.now = T0 + NS / 4;
    cmos_write(r, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
    assert_int_equal(cmos_read(r, RTC_REG_B), RTC_B_SET | RTC_B_24H); /* SET clears UIE */
    cmos_write(r, RTC_REG_SECONDS, 0x30);
    cmos_write(r, RTC_REG_MINUTES, 0x45);
    cmos_write(r, RTC_REG_HOURS, 0x13);
    cmos_write(r, RTC_REG_DAY_OF_MONTH, 0x15);
    cmos_write(r, RTC_REG_MONTH, 0x06);
    cmos_write(r, RTC_REG_YEAR, 0x27);
    /* Frozen: no updates, no UIP, the written values read back. */
    r->clk.now = T0 + 5 * NS - 1000;
    assert_int_equal(cmos_read(r, RTC_REG_A) & RTC_A_UIP, 0);
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x30);
    assert_int_equal(cmos_read(r, RTC_REG_C), RTC_C_PF); /* the divider runs, but no UF while SET */
    r->clk.now = T0 + 5 * NS + NS / 4;
    cmos_write(r, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rtc_unix_time(&r->rtc), 1813067130); /* 2027-06-15 13:45:30 */
    assert_int_equal(cmos_read(r, RTC_REG_DAY_OF_WEEK), 3); /* Tuesday */
    /* The divider phase is kept: the next update is the next boundary of the chain. */
    r->clk.now = T0 + 6 * NS - 1;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x30);
    r->clk.now = T0 + 6 * NS;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x31);
}

static void test_set_field_while_running(void **state)
{
    struct rig *r = *state;
    r->clk.now = T0 + 10 * NS + 5;
    cmos_write(r, RTC_REG_MINUTES, 0x59);
    assert_int_equal(cmos_read(r, RTC_REG_MINUTES), 0x59);
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x10);
    r->clk.now = T0 + 60 * NS;
    assert_int_equal(cmos_read(r, RTC_REG_HOURS), 0x01);
    assert_int_equal(cmos_read(r, RTC_REG_MINUTES), 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x00);
}

static void test_divider_reset(void **state)
{
    struct rig *r = *state;
    r->clk.now = T0 + 2 * NS + 300;
    cmos_write(r, RTC_REG_A, 0x70); /* hold the divider in reset */
    r->clk.now = T0 + 9 * NS;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x02);
    assert_true(rtc_next_uip_edge_ns(&r->rtc) == DEV_NO_EVENT);
    uint64_t t = T0 + 9 * NS + 777;
    r->clk.now = t;
    rtc146818_ops.write(&r->rtc, 0, RTC_REG_A, 1);
    rtc146818_ops.write(&r->rtc, 1, 0x26, 1);
    /* The first update comes half a second after the reset is released. */
    assert_int_equal(rtc_next_uip_edge_ns(&r->rtc), t + NS / 2 - RTC_UIP_HOLD_NS);
    r->clk.now = t + NS / 2 - 1;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x02);
    r->clk.now = t + NS / 2;
    assert_int_equal(cmos_read(r, RTC_REG_SECONDS), 0x03);
}

static void test_cmos_storage(void **state)
{
    struct rig *r = *state;
    for (int i = 14; i < 128; i++) {
        if (i != RTC_REG_CENTURY)
            cmos_write(r, (uint8_t)i, (uint8_t)(i * 7));
    }
    for (int i = 14; i < 128; i++) {
        if (i != RTC_REG_CENTURY)
            assert_int_equal(cmos_read(r, (uint8_t)i), (uint8_t)(i * 7));
    }
    cmos_write(r, 0x80 | 0x20, 0x5A); /* bit 7 of the index is the NMI mask */
    assert_int_equal(cmos_read(r, 0x20), 0x5A);
    cmos_write(r, RTC_REG_C, 0xFF);
    cmos_write(r, RTC_REG_D, 0x00);
    assert_int_equal(cmos_read(r, RTC_REG_C), 0);
    assert_int_equal(cmos_read(r, RTC_REG_D), 0x80);
    cmos_write(r, RTC_REG_A, 0xA6); /* UIP is read-only */
    assert_int_equal(r->rtc.cmos[RTC_REG_A], 0x26);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_time_bcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calendar_carry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uip_window_and_seconds_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_frequency_estimate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_frequency_estimate_fast_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_c_read_clears_uf_irq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags_without_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_field_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divider_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmos_storage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

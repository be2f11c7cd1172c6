/*
 * Unit tests of the i8254 PIT against a fake guest clock and a fake IRQ 0
 * line that counts rising edges. The central case is Linux's clockevent
 * (Linux drivers/clocksource/i8253.c): control word 0x34, divisor 4773
 * (0xA5, 0x12), one rising edge every 4773 / 1.193182 MHz = 4.000228 ms,
 * then the shutdown sequence 0x30, 0, 0, 0x30 that must silence it. Also:
 * counter latch and read-back, lobyte/hibyte access, modes 0, 3 and 4,
 * BCD counting and channel 2's gate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/pc_devices.h"

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
    struct i8254 pit;
    struct fake_clock clk;
    struct fake_line irq0;
};

static void outb(struct rig *r, unsigned port, uint8_t v)
{
    i8254_ops.write(&r->pit, port - I8254_PORT, v, 1);
}

static uint8_t inb(struct rig *r, unsigned port)
{
    return (uint8_t)i8254_ops.read(&r->pit, port - I8254_PORT, 1);
}

/* Time at which n clocks have elapsed after t0: the first ns with floor(ns * f / 1e9) >= n. */
static uint64_t clocks_ns(uint64_t t0, uint64_t n)
{
    return t0 + (n * 1000000000ull + 1193182 - 1) / 1193182;
}

/* Moves time to t and runs the device the way the vCPU loop does. */
static void run_to(struct rig *r, uint64_t t)
{
    r->clk.now = t;
    i8254_update(&r->pit);
}

static int setup(void **state)
{
    struct rig *r = test_calloc(1, sizeof(*r));
    r->clk.now = 1000000; /* not zero, to catch base mistakes */
    struct dev_clock c = { .now_ns = fake_now, .ctx = &r->clk };
    struct irq_line l = { .set = fake_line_set, .opaque = &r->irq0, .n = 0 };
    i8254_init(&r->pit, &c, l);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    test_free(*state);
    return 0;
}

static void test_idle_after_reset(void **state)
{
    struct rig *r = *state;
    assert_true(i8254_next_event_ns(&r->pit) == DEV_NO_EVENT);
    run_to(r, 10000000000ull);
    assert_int_equal(r->irq0.rises, 0);
}

static void test_linux_mode2_4773(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x34);
    outb(r, 0x40, 0xA5);
    outb(r, 0x40, 0x12);
    assert_int_equal(r->pit.ch[0].count, 4773);
    assert_int_equal(r->pit.ch[0].mode, 2);

    /* 4773 clocks = 4000227.96 ns: the first edge is at +4000228 ns. */
    uint64_t first = t0 + 4000228;
    assert_int_equal(clocks_ns(t0, 4773), first);
    assert_int_equal(i8254_next_event_ns(&r->pit), first);
    run_to(r, first - 1);
    assert_int_equal(r->irq0.rises, 0);
    run_to(r, first);
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(r->irq0.level, 0); /* a pulse: the 8259 latched the edge */

    /* Follow the deadlines for one second: 249 edges (1 s / 4.000228 ms = 249.99). */
    for (;;) {
        uint64_t next = i8254_next_event_ns(&r->pit);
        if (next > t0 + 1000000000ull)
            break;
        run_to(r, next);
    }
    assert_int_equal(r->irq0.rises, 249);
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 250ull * 4773));
    /* The period never drifts: edge k is at k * 4773 clocks exactly. */
    run_to(r, clocks_ns(t0, 250ull * 4773));
    assert_int_equal(r->irq0.rises, 250);
}

static void test_overdue_periods_coalesce(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x34);
    outb(r, 0x40, 0xA5);
    outb(r, 0x40, 0x12);
    run_to(r, clocks_ns(t0, 10 * 4773 + 100));
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 11 * 4773));
}

static void test_linux_shutdown(void **state)
{
    struct rig *r = *state;
    outb(r, 0x43, 0x34);
    outb(r, 0x40, 0xA5);
    outb(r, 0x40, 0x12);
    run_to(r, r->clk.now + 4000228);
    assert_int_equal(r->irq0.rises, 1);

    outb(r, 0x43, 0x30);
    outb(r, 0x40, 0x00);
    outb(r, 0x40, 0x00);
    outb(r, 0x43, 0x30);
    assert_true(i8254_next_event_ns(&r->pit) == DEV_NO_EVENT);
    run_to(r, r->clk.now + 60000000000ull);
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(r->irq0.level, 0);
}

static void test_shutdown_without_second_cw_is_one_shot(void **state)
{
    struct rig *r = *state;
    outb(r, 0x43, 0x30);
    uint64_t t0 = r->clk.now;
    outb(r, 0x40, 0x00);
    outb(r, 0x40, 0x00); /* count 0 = 65536 clocks, 54.9 ms */
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 65536));
    run_to(r, clocks_ns(t0, 65536));
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(r->irq0.level, 1); /* mode 0 OUT stays high */
    assert_true(i8254_next_event_ns(&r->pit) == DEV_NO_EVENT);
    run_to(r, r->clk.now + 1000000000ull);
    assert_int_equal(r->irq0.rises, 1);
    outb(r, 0x43, 0x30); /* a control word drops OUT */
    assert_int_equal(r->irq0.level, 0);
}

static void test_latch_and_read(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x34);
    outb(r, 0x40, 0xA5);
    outb(r, 0x40, 0x12);
    r->clk.now = clocks_ns(t0, 1000);
    outb(r, 0x43, 0x00); /* latch channel 0 */
    r->clk.now = clocks_ns(t0, 2000); /* the latch holds */
    uint16_t v = inb(r, 0x40);
    v |= inb(r, 0x40) << 8;
    assert_int_equal(v, 4773 - 1000);
    /* Live reads after the latch is consumed: lo then hi. */
    v = inb(r, 0x40);
    v |= inb(r, 0x40) << 8;
    assert_int_equal(v, 4773 - 2000);
    /* Past one period the counter has reloaded. */
    r->clk.now = clocks_ns(t0, 4773 + 10);
    outb(r, 0x43, 0x00);
    v = inb(r, 0x40);
    v |= inb(r, 0x40) << 8;
    assert_int_equal(v, 4773 - 10);
}

static void test_readback_status(void **state)
{
    struct rig *r = *state;
    outb(r, 0x43, 0x34);
    outb(r, 0x43, 0xE2); /* read-back: status of channel 0 */
    assert_int_equal(inb(r, 0x40), 0xF4); /* OUT high, null count, lo/hi, mode 2 */
    outb(r, 0x40, 0xA5);
    outb(r, 0x40, 0x12);
    outb(r, 0x43, 0xE2);
    assert_int_equal(inb(r, 0x40), 0xB4);
    /* Status and count latched together: status first, then the count. */
    outb(r, 0x43, 0xC2);
    assert_int_equal(inb(r, 0x40), 0xB4);
    assert_int_equal(inb(r, 0x40), 0xA5);
    assert_int_equal(inb(r, 0x40), 0x12);
}

static void test_lobyte_hibyte_access(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x14); /* channel 0, lobyte only, mode 2 */
    outb(r, 0x40, 100);
    assert_int_equal(r->pit.ch[0].count, 100);
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 100));
    assert_int_equal(inb(r, 0x40), 100);
    outb(r, 0x43, 0x24); /* hibyte only */
    outb(r, 0x40, 0x02);
    assert_int_equal(r->pit.ch[0].count, 0x200);
    assert_int_equal(inb(r, 0x40), 0x02);
}

static void test_mode0_one_shot(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x30);
    assert_int_equal(i8254_get_out(&r->pit, 0), 0);
    outb(r, 0x40, 0x10);
    assert_true(i8254_next_event_ns(&r->pit) == DEV_NO_EVENT); /* half a count */
    outb(r, 0x40, 0x00);
    run_to(r, clocks_ns(t0, 0x10) - 1);
    assert_int_equal(r->irq0.rises, 0);
    assert_int_equal(i8254_get_out(&r->pit, 0), 0);
    run_to(r, clocks_ns(t0, 0x10));
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(i8254_get_out(&r->pit, 0), 1);
    /* Rewriting the count restarts the one-shot with OUT low. */
    outb(r, 0x40, 0x20);
    assert_int_equal(r->irq0.level, 0);
    outb(r, 0x40, 0x00);
    uint64_t t1 = r->clk.now;
    run_to(r, clocks_ns(t1, 0x20));
    assert_int_equal(r->irq0.rises, 2);
}

static void test_mode3_square_wave(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x36); /* mode 3, lo/hi */
    outb(r, 0x40, 0x00);
    outb(r, 0x40, 0x00); /* 65536: the 18.2 Hz PC tick */
    r->clk.now = clocks_ns(t0, 100);
    assert_int_equal(i8254_get_out(&r->pit, 0), 1);
    r->clk.now = clocks_ns(t0, 32768 + 1);
    assert_int_equal(i8254_get_out(&r->pit, 0), 0);
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 65536));
    run_to(r, clocks_ns(t0, 65536));
    assert_int_equal(r->irq0.rises, 1);
    run_to(r, clocks_ns(t0, 3 * 65536));
    assert_int_equal(r->irq0.rises, 2);
}

static void test_mode4_strobe(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x38); /* mode 4 */
    outb(r, 0x40, 50);
    outb(r, 0x40, 0);
    run_to(r, clocks_ns(t0, 50));
    assert_int_equal(r->irq0.rises, 1);
    assert_int_equal(r->irq0.level, 0);
    assert_true(i8254_next_event_ns(&r->pit) == DEV_NO_EVENT);
    run_to(r, clocks_ns(t0, 200000));
    assert_int_equal(r->irq0.rises, 1);
}

static void test_bcd(void **state)
{
    struct rig *r = *state;
    uint64_t t0 = r->clk.now;
    outb(r, 0x43, 0x35); /* mode 2, BCD */
    outb(r, 0x40, 0x00);
    outb(r, 0x40, 0x10); /* BCD 1000 */
    assert_int_equal(r->pit.ch[0].count, 1000);
    r->clk.now = clocks_ns(t0, 1);
    outb(r, 0x43, 0x00);
    assert_int_equal(inb(r, 0x40), 0x99);
    assert_int_equal(inb(r, 0x40), 0x09);
    assert_int_equal(i8254_next_event_ns(&r->pit), clocks_ns(t0, 1000));
}

static void test_channel2_gate(void **state)
{
    struct rig *r = *state;
    outb(r, 0x43, 0xB2); /* channel 2, lo/hi, mode 1 */
    outb(r, 0x42, 10);
    outb(r, 0x42, 0);
    r->clk.now += 1000000;
    assert_int_equal(i8254_get_out(&r->pit, 2), 1); /* not triggered yet */
    i8254_set_gate(&r->pit, 2, 1);
    uint64_t t0 = r->clk.now;
    assert_int_equal(i8254_get_out(&r->pit, 2), 0);
    r->clk.now = clocks_ns(t0, 10);
    assert_int_equal(i8254_get_out(&r->pit, 2), 1);
    assert_int_equal(r->irq0.rises, 0); /* only channel 0 interrupts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_after_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_mode2_4773, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_periods_coalesce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linux_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_without_second_cw_is_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latch_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readback_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobyte_hibyte_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode0_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode3_square_wave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode4_strobe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channel2_gate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

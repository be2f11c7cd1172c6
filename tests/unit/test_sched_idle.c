/*
 * Idle tick coalescing (monitor/sched_idle.c), on entries and a clock the test sets up, so
 * exactly: a VM becomes quiet only after SCHED_QUIET_NS of short timer wake-ups, and only then
 * are its deadlines moved, to the next point of its slack's grid and never by a full grid step or
 * more; a deadline that is not the CP0 timer's, a slice that ran long, a wake-up for anything
 * else, or a slack of 0 (--idle-slack 0, deterministic VMs, SMP guests) keeps the deadline as it
 * is. Two quiet VMs with deadlines at unrelated phases wake at the same grid point. And when a
 * booting VM lets the next start (--boot-stagger): a second of short WAITs, its CPU budget, a
 * pause or its end, and not a busy slice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "monitor/sched.h"

#define MS 1000000ull
#define T0 (1000 * 1000 * MS) /* a host clock well past zero */

/* Drives x through a run of short CP0-timer wake-ups every 4 ms from `from` for `ns`. */
static uint64_t tick_for(struct sched_ent *x, uint64_t from, uint64_t ns)
{
    uint64_t now = from;
    for (; now < from + ns; now += 4 * MS) {
        x->slice_insns = 4500;
        sched_idle_until(x, now + 4 * MS, now, true);
    }
    return now;
}

static void test_not_quiet_at_first(void **state)
{
    (void)state;
    struct sched_ent x = {.slack_ns = 16 * MS, .slice_insns = 4500};
    uint64_t d = T0 + 4 * MS + 123;
    assert_int_equal(sched_idle_until(&x, d, T0, true), d);
    assert_int_equal(x.quiet_since, T0);
    /* Just short of a second of quiet ticks: still on its deadlines. */
    uint64_t now = tick_for(&x, T0, SCHED_QUIET_NS - 8 * MS);
    assert_int_equal(sched_idle_until(&x, now + 4 * MS + 123, now, true), now + 4 * MS + 123);
    assert_int_equal(x.deferred, 0);
}

static void test_quiet_moves_to_grid(void **state)
{
    (void)state;
    struct sched_ent x = {.slack_ns = 16 * MS};
    uint64_t now = tick_for(&x, T0, SCHED_QUIET_NS + 4 * MS);
    x.slice_insns = 4500;
    uint64_t before = x.deferred;
    uint64_t d = now + 4 * MS + 777;
    uint64_t at = sched_idle_until(&x, d, now, true);
    assert_true(at > d);
    assert_true(at - d < x.slack_ns);
    assert_int_equal(at % x.slack_ns, 0);
    assert_int_equal(x.deferred, before + 1);
    /* A deadline on the grid already stays. */
    uint64_t g = (now / x.slack_ns + 3) * x.slack_ns;
    assert_int_equal(sched_idle_until(&x, g, now, true), g);
}

static void test_two_vms_one_wakeup(void **state)
{
    (void)state;
    struct sched_ent a = {.slack_ns = 16 * MS}, b = {.slack_ns = 16 * MS};
    uint64_t now = tick_for(&a, T0, SCHED_QUIET_NS + 4 * MS);
    tick_for(&b, T0 + MS / 3, SCHED_QUIET_NS + 4 * MS);
    a.slice_insns = b.slice_insns = 4000;
    uint64_t base = (now / (16 * MS) + 2) * 16 * MS;
    assert_int_equal(sched_idle_until(&a, base + 1 * MS + 5, now, true),
                     sched_idle_until(&b, base + 11 * MS + 17, now, true));
}

static void test_what_ends_quiet(void **state)
{
    (void)state;
    struct sched_ent x = {.slack_ns = 16 * MS};
    uint64_t now = tick_for(&x, T0, SCHED_QUIET_NS + 4 * MS);
    uint64_t d = now + 4 * MS + 1;

    /* A device's or another vCPU's deadline: kept, and the quiet run is over. */
    x.slice_insns = 4500;
    assert_int_equal(sched_idle_until(&x, d, now, false), d);
    assert_int_equal(x.quiet_since, 0);

    /* A slice that ran long (the guest did work on that wake-up). */
    now = tick_for(&x, now, SCHED_QUIET_NS + 4 * MS);
    x.slice_insns = SCHED_QUIET_INSNS + 1;
    assert_int_equal(sched_idle_until(&x, now + 5, now, true), now + 5);
    assert_int_equal(x.quiet_since, 0);

    /* A wake-up for console input or a QMP request. */
    now = tick_for(&x, now, SCHED_QUIET_NS + 4 * MS);
    sched_idle_disturbed(&x);
    x.slice_insns = 4500;
    assert_int_equal(sched_idle_until(&x, now + 5, now, true), now + 5);
    assert_int_equal(x.quiet_since, now); /* a new run of quiet ticks starts */
}

static void test_no_slack(void **state)
{
    (void)state;
    struct sched_ent x = {.slack_ns = 0};
    uint64_t now = tick_for(&x, T0, 3 * SCHED_QUIET_NS);
    x.slice_insns = 10;
    assert_int_equal(sched_idle_until(&x, now + 4 * MS + 9, now, true), now + 4 * MS + 9);
    assert_int_equal(x.deferred, 0);
}

/* Staggered boots: when a booting VM lets the next one start. */
static void test_boot_done(void **state)
{
    (void)state;
    struct sched_ent x = {.gate = SCHED_GATE_BOOTING};
    uint64_t now = T0;
    /* Busy slices: never idle; done once they add up to SCHED_BOOT_CPU_NS. */
    x.slice_insns = 4000000;
    for (int i = 0; i < 9; i++, now += 2 * MS)
        assert_false(sched_boot_done(&x, now, SCHED_BOOT_CPU_NS / 10, false, false, false));
    /* Short WAITs (a deterministic VM's too: no CP0 condition here) for just under a second. */
    x.slice_insns = 3000;
    uint64_t from = now;
    for (; now < from + SCHED_QUIET_NS; now += 4 * MS)
        assert_false(sched_boot_done(&x, now, 10000, true, false, false));
    /* A long slice in between starts the second over. */
    x.slice_insns = SCHED_QUIET_INSNS + 1;
    assert_false(sched_boot_done(&x, now, 10000, true, false, false));
    x.slice_insns = 3000;
    from = now;
    for (; now < from + SCHED_QUIET_NS; now += 4 * MS)
        assert_false(sched_boot_done(&x, now, 10000, true, false, false));
    assert_true(sched_boot_done(&x, now, 10000, true, false, false));

    struct sched_ent b = {.gate = SCHED_GATE_BOOTING};
    assert_false(sched_boot_done(&b, T0, 1, false, false, false));
    assert_true(sched_boot_done(&b, T0, 1, false, false, true));  /* ended */
    struct sched_ent c = {.gate = SCHED_GATE_BOOTING};
    assert_true(sched_boot_done(&c, T0, 1, false, true, false));  /* paused by QMP: runs nothing */
    struct sched_ent d = {.gate = SCHED_GATE_BOOTING, .slice_insns = 4000000};
    assert_true(sched_boot_done(&d, T0, SCHED_BOOT_CPU_NS, false, false, false));
}

/* Staggered boots: a VM busy in user code (never idle) is done once its slices that ended in user
 * mode add up to SCHED_BOOT_USER_NS; busy kernel slices (a boot) count only towards SCHED_BOOT_CPU_NS. */
static void test_boot_done_user(void **state)
{
    (void)state;
    const uint64_t slice = SCHED_BOOT_USER_NS / 8;
    struct sched_ent k = {.gate = SCHED_GATE_BOOTING, .slice_insns = 4000000};
    uint64_t now = T0;
    for (uint64_t ran = 0; ran + slice < SCHED_BOOT_CPU_NS; ran += slice, now += 2 * MS)
        assert_false(sched_boot_done(&k, now, slice, false, false, false));

    struct sched_ent u = {.gate = SCHED_GATE_BOOTING, .slice_insns = 4000000};
    now = T0;
    /* A kernel boot first: its CPU is not user CPU. */
    for (int i = 0; i < 16; i++, now += 2 * MS)
        assert_false(sched_boot_done(&u, now, slice, false, false, false));
    /* Then the workload: slices ending in user mode, with kernel ones (its interrupts) between. */
    u.slice_user = true;
    for (int i = 0; i < 7; i++, now += 2 * MS) {
        assert_false(sched_boot_done(&u, now, slice, false, false, false));
        u.slice_user = false;
        assert_false(sched_boot_done(&u, now, slice, false, false, false));
        u.slice_user = true;
    }
    assert_true(sched_boot_done(&u, now, slice, false, false, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_quiet_at_first), cmocka_unit_test(test_quiet_moves_to_grid),
        cmocka_unit_test(test_two_vms_one_wakeup), cmocka_unit_test(test_what_ends_quiet),
        cmocka_unit_test(test_no_slack), cmocka_unit_test(test_boot_done), cmocka_unit_test(test_boot_done_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

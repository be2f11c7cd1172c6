/*
 * Tests of QMP's event queue (monitor/qmp_events.c), with the clock given by the test:
 *  - a full queue drops its oldest events, counts them, and the next event out is
 *    EVENTS_DROPPED with that count, followed by the newest events in order;
 *  - a rate-limited event goes out at once, the ones of its VM and kind within the next second
 *    are held, the latest replacing the others (counted as throttled), and it goes out when the
 *    period ends, starting a new one; another VM's events are not held by it;
 *  - any other event of a VM first sends what that VM holds (its events stay in order);
 *  - discarding empties the queue but keeps held events for their deadline.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/qmp_events.h"

#define SEC 1000000000ull
#define MS 1000000ull

static struct qmp_evq q;

static int setup(void **state)
{
    (void)state;
    qmp_evq_init(&q);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    qmp_evq_destroy(&q);
    return 0;
}

static char *ev(const char *name, unsigned n)
{
    char *t = NULL;
    assert_true(asprintf(&t, "%s %u", name, n) > 0);
    return t;
}

/* Pops the next event at now and checks it is `want` (NULL: none); returns next_ns. */
static uint64_t expect(uint64_t now, const char *want)
{
    uint64_t next = 0;
    char *t = qmp_evq_pop(&q, now, &next);
    if (!want) {
        assert_null(t);
        return next;
    }
    assert_non_null(t);
    assert_string_equal(t, want);
    free(t);
    return next;
}

static void test_overflow_counted_and_announced(void **state)
{
    (void)state;
    unsigned n = QMP_EVQ_SIZE + 44;
    for (unsigned i = 0; i < n; i++)
        assert_true(qmp_evq_push(&q, 0, QMP_EVQ_NOT_RATED, ev("STOP", i), 0));
    struct qmp_evq_stats st;
    qmp_evq_stats(&q, &st);
    assert_int_equal(st.dropped, 44);
    assert_int_equal(st.queued, n);
    assert_int_equal(st.depth, QMP_EVQ_SIZE);
    assert_int_equal(st.max_depth, QMP_EVQ_SIZE);
    char *t = qmp_evq_pop(&q, 0, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "\"event\": \"EVENTS_DROPPED\""));
    assert_non_null(strstr(t, "\"data\": {\"count\": 44}"));
    free(t);
    char want[32];
    for (unsigned i = 44; i < n; i++) {
        snprintf(want, sizeof(want), "STOP %u", i);
        expect(0, want);
    }
    assert_int_equal(expect(0, NULL), UINT64_MAX);
    qmp_evq_stats(&q, &st);
    assert_int_equal(st.delivered, QMP_EVQ_SIZE);
    assert_int_equal(st.announced, 1);
    /* a second overflow is announced again, with its own count */
    for (unsigned i = 0; i < QMP_EVQ_SIZE + 3; i++)
        qmp_evq_push(&q, 0, QMP_EVQ_NOT_RATED, ev("STOP", i), 0);
    t = qmp_evq_pop(&q, 0, NULL);
    assert_non_null(strstr(t, "\"data\": {\"count\": 3}"));
    free(t);
    expect(0, "STOP 3");
}

static void test_rate_limit(void **state)
{
    (void)state;
    /* VM 1's guest resets: the first at once, then held until its second is over */
    assert_true(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 0), 0));
    assert_true(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 1), 100 * MS)); /* first held: wake */
    assert_false(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 2), 200 * MS));
    assert_false(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 3), 300 * MS));
    /* VM 2's and VM 1's balloon are not held by it */
    assert_true(qmp_evq_push(&q, 2, QMP_EVQ_RATED_RESET, ev("RESET2", 0), 300 * MS));
    assert_true(qmp_evq_push(&q, 1, QMP_EVQ_RATED_BALLOON, ev("BALLOON", 0), 300 * MS));
    expect(400 * MS, "RESET 0");
    expect(400 * MS, "RESET2 0");
    expect(400 * MS, "BALLOON 0");
    assert_int_equal(expect(400 * MS, NULL), SEC); /* RESET 3 is due at 1 s */
    struct qmp_evq_stats st;
    qmp_evq_stats(&q, &st);
    assert_int_equal(st.throttled, 2);
    /* the period's end sends the latest and starts the next period */
    expect(SEC, "RESET 3");
    assert_int_equal(expect(SEC, NULL), UINT64_MAX);
    /* held: the first of a period wakes the server, which must watch its deadline */
    assert_true(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 4), 1500 * MS));
    expect(1999 * MS, NULL);
    expect(2 * SEC, "RESET 4");
    /* a period with nothing held ends quietly: the next goes out at once */
    assert_true(qmp_evq_push(&q, 1, QMP_EVQ_RATED_RESET, ev("RESET", 5), 4 * SEC));
    expect(4 * SEC, "RESET 5");
}

static void test_other_event_releases_held(void **state)
{
    (void)state;
    qmp_evq_push(&q, 3, QMP_EVQ_RATED_RESET, ev("RESET", 0), 0);
    qmp_evq_push(&q, 3, QMP_EVQ_RATED_RESET, ev("RESET", 1), 10 * MS);
    qmp_evq_push(&q, 4, QMP_EVQ_RATED_RESET, ev("RESET4", 0), 10 * MS);
    qmp_evq_push(&q, 4, QMP_EVQ_RATED_RESET, ev("RESET4", 1), 20 * MS);
    /* VM 3 shuts down: its held RESET goes before its SHUTDOWN; VM 4's stays held */
    qmp_evq_push(&q, 3, QMP_EVQ_NOT_RATED, ev("SHUTDOWN", 0), 30 * MS);
    expect(40 * MS, "RESET 0");
    expect(40 * MS, "RESET4 0");
    expect(40 * MS, "RESET 1");
    expect(40 * MS, "SHUTDOWN 0");
    assert_int_equal(expect(40 * MS, NULL), 10 * MS + SEC);
    /* discarding (a new client) empties the queue, not what is held */
    qmp_evq_push(&q, 5, QMP_EVQ_NOT_RATED, ev("STOP", 0), 50 * MS);
    assert_int_equal(qmp_evq_discard(&q), 1);
    expect(60 * MS, NULL);
    expect(10 * MS + SEC, "RESET4 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overflow_counted_and_announced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_event_releases_held, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

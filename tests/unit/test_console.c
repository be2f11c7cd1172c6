/*
 * Unit tests of the host side of the console that matter when several VMs share one process
 * (monitor/console.c): standard input is read by one console only. Two consoles both given
 * stdin would each run an input thread on it and split the typed bytes between two guests; the
 * first console takes the input and a second gets none (it only writes), and once the first
 * closes, a console opened after it reads stdin again. Standard input is a pipe here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/console.h"

/* Reads what console c queued, waiting up to about a second for want items. */
static size_t drain(struct console *c, uint16_t *buf, size_t cap, size_t want)
{
    size_t got = 0;
    for (int i = 0; i < 1000 && got < want; i++) {
        got += console_read(c, buf + got, cap - got);
        if (got < want) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    return got;
}

static void test_one_stdin_reader(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);

    _Atomic uint32_t kick_a = 0, kick_b = 0, kick_c = 0;
    int wake_a = eventfd(0, EFD_NONBLOCK), wake_b = eventfd(0, EFD_NONBLOCK), wake_c = eventfd(0, EFD_NONBLOCK);
    static struct console a, b, c;
    assert_int_equal(console_open(&a, STDIN_FILENO, -1, &kick_a, wake_a), 0);
    assert_int_equal(console_open(&b, STDIN_FILENO, -1, &kick_b, wake_b), 0);
    assert_true(console_input_open(&a));
    assert_false(console_input_open(&b)); /* no input: the first console has stdin */

    assert_int_equal(write(p[1], "hello", 5), 5);
    uint16_t buf[64];
    size_t n = drain(&a, buf, 64, 5);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(buf[i], (uint8_t)"hello"[i]);
    /* Every byte went to the first console: the second got none. */
    assert_int_equal(console_read(&b, buf, 64), 0);
    assert_false(console_pending(&b));

    /* The reader closes (its input thread is cancelled): the next console opened reads stdin. */
    console_close(&a);
    assert_int_equal(console_open(&c, STDIN_FILENO, -1, &kick_c, wake_c), 0);
    assert_true(console_input_open(&c));
    assert_int_equal(write(p[1], "xy", 2), 2);
    assert_int_equal(drain(&c, buf, 64, 2), 2);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(buf[1], 'y');
    assert_int_equal(console_read(&b, buf, 64), 0);

    console_close(&c);
    console_close(&b);
    close(p[1]);
    dup2(saved, STDIN_FILENO);
    close(saved);
    close(wake_a);
    close(wake_b);
    close(wake_c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_stdin_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Harness self-test: a program that declares no exception but takes one (a
 * trap the start-up code's handler resumes from at EPC + 4, as it would
 * from a fault nobody expected), then passes both its checks. The machine
 * reports a pass with 1 exception; the runner must fail it because the
 * program declared 0. Built bare, for Malta and as mapped user-mode code
 * (umode/, umode-irq/): the exception is a trap (TEQ) rather than a BREAK,
 * which crt_umode.S -DUMODE_TIMER treats as stale code (fatal), and one a
 * user-mode program can take.
 */
#include "isa.h"
TEST_BEGIN 2
    li $t0, 1
    CHECK_EQ $t0, 1
    teq $zero, $zero               /* Tr, resumed at EPC + 4 */
    CHECK_EQ $t0, 1
TEST_END

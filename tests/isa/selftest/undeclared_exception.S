/*
 * Harness self-test: a program that declares no exception but takes one (a
 * break the start-up code's handler resumes from at EPC + 4, as it would
 * from a fault nobody expected), then passes both its checks. The machine
 * reports a pass with 1 exception; the runner must fail it because the
 * program declared 0.
 */
#include "isa.h"
TEST_BEGIN 2
    li $t0, 1
    CHECK_EQ $t0, 1
    break
    CHECK_EQ $t0, 1
TEST_END

/*
 * Harness self-test: a program that declares 3 checks, runs checks 1 and 2,
 * then jumps over check 3 (as a mistranslated branch might) and returns
 * normally. The machine reports a pass with 2 checks; the runner must fail
 * it for running fewer checks than declared. Built bare (every mode of the
 * isa and ubsan suites) and for Linux (the isa-user suite's self-test).
 */
#include "isa.h"
TEST_BEGIN 3
    li $t0, 1
    CHECK_EQ $t0, 1
    CHECK_EQ $t0, 1
    b 1f
    nop
    CHECK_EQ $t0, 1                /* skipped */
1:
TEST_END

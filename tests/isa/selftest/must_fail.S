/*
 * Harness self-test: check 1 passes, check 2 fails on purpose, check 3 must
 * never run. The ISA runner expects exit status 4 and output naming FAIL and
 * check 2; it reports this test as passed only then. If this "passes" the
 * way a normal test does, the harness cannot see failures.
 */
#include "isa.h"
TEST_BEGIN 3
    li $t0, 1
    CHECK_EQ $t0, 1
    CHECK_EQ $t0, 2
    CHECK_EQ $t0, 1
TEST_END

/*
 * Target of the lockstep self-test (tests/diff/run.sh): the lockstep tool
 * makes the translator corrupt the result of the instruction at
 * `inject_here` and must report exactly that PC. Run normally, the
 * program passes; the addu sits in the middle of a straight-line run so
 * the report depends on bisecting within a block.
 */
#include "isa.h"
TEST_BEGIN 3
    li $t0, 40
    li $t1, 2
    addiu $t2, $t0, 1
    addiu $t3, $t1, 1
    .globl inject_here
inject_here:
    addu $t4, $t0, $t1
    addiu $t5, $t2, 7
    sll $t6, $t3, 2
    CHECK_EQ $t4, 42
    CHECK_EQ $t5, 48
    CHECK_EQ $t6, 12
TEST_END

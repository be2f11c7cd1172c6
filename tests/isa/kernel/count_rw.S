/*
 * Count (PRA 9.11): readable and writable; "acts as a timer, incrementing
 * at a constant rate". After a write Count continues from the written
 * value; it advances monotonically (no wrap in a short run) and does
 * advance within a bounded loop. rdhwr $2 reads the same counter.
 */
#include "kernel_util.h"
TEST_BEGIN 5
    TIMER_FAR
    li $t0, 0x10000000
    mtc0 $t0, C0_COUNT
    ehb
    mfc0 $t1, C0_COUNT
    subu $t2, $t1, $t0
    CHECK_RANGE $t2, 0, 1000       /* continues from the written value */
    li $t3, 3000
1:  addiu $t3, $t3, -1
    bnez $t3, 1b
    nop
    mfc0 $t4, C0_COUNT
    subu $t5, $t4, $t1
    CHECK_RANGE $t5, 1, 0x100000   /* advanced, and not absurdly */
    rdhwr $t6, $2
    subu $t7, $t6, $t4
    CHECK_RANGE $t7, 0, 1000
    mfc0 $t8, C0_COUNT
    subu $t7, $t8, $t6
    CHECK_RANGE $t7, 0, 1000
    /* write near the wrap point: continues past it */
    li $t0, 0xFFFFFFF0
    mtc0 $t0, C0_COUNT
    ehb
    li $t3, 3000
1:  addiu $t3, $t3, -1
    bnez $t3, 1b
    nop
    mfc0 $t1, C0_COUNT
    subu $t2, $t1, $t0
    CHECK_RANGE $t2, 1, 0x100000
TEST_END

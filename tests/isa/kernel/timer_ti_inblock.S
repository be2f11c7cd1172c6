/*
 * The timer request follows Count within a straight run of code (PRA 9.15 Compare, 9.38
 * Cause.TI, 6.1.2): Compare written a few ticks ahead of Count, then no branch.
 *  1. IE = 0: sixteen times a read of Count then a read of Cause; once a Count read shows
 *     Compare reached, the Cause read after it shows TI.
 *  2. IE = 1, IM7: the interrupt is taken inside the next 24 instructions after the Compare
 *     write (due after about 8 of them), not at the end of the run (a translator once ran a
 *     block past an event that its own CP0 write had moved into the block).
 */
#include "kernel_util.h"
    DEFINE_IHOOK

/* $s2 |= (Count has reached Compare $t1) and not Cause.TI; $s3 |= Cause.TI. Uses $t2-$t5. */
    .macro READ_PAIR
    mfc0 $t2, C0_COUNT
    mfc0 $t3, C0_CAUSE
    subu $t2, $t2, $t1
    slt $t4, $t2, $zero         /* 1: Compare not reached yet */
    srl $t5, $t3, 30
    andi $t5, $t5, 1            /* Cause.TI */
    or $s3, $s3, $t5
    or $t4, $t4, $t5
    xori $t4, $t4, 1            /* 1: reached, TI clear */
    or $s2, $s2, $t4
    .endm

TEST_BEGIN 6, 1                 /* the interrupt of part 2, taken through ihook */
    TIMER_FAR
    li $t0, (S_CU0 | S_IM7)     /* unmasked but IE = 0 */
    mtc0 $t0, C0_STATUS
    move $s2, $zero
    move $s3, $zero
    mfc0 $t1, C0_COUNT
    addiu $t1, $t1, 4           /* a few instructions ahead */
    mtc0 $t1, C0_COMPARE
    ehb
    .rept 16
    READ_PAIR
    .endr
    CHECK_EQ $s3, 1             /* the timer came within the reads */
    CHECK_EQ $s2, 0             /* and TI showed with the first Count at Compare */
    mtc0 $t1, C0_COMPARE        /* clears TI */
    ehb
    CHECK_EXC EXC_COUNT, 0

    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IE | S_IM7)
    mtc0 $t0, C0_STATUS
    ehb
    mfc0 $t1, C0_COUNT
    addiu $t1, $t1, 4
    mtc0 $t1, C0_COMPARE
run:
    .rept 48
    addiu $s4, $s4, 1
    .endr
run_end:
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    EXC_LOAD $t3, EXC_EPC
    la $t9, run
    subu $t3, $t3, $t9
    CHECK_RANGE $t3, 0, 23 * 4  /* within the first 24 instructions of the run */
    mtc0 $t1, C0_COMPARE
    ehb
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

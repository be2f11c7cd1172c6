/*
 * A branch or jump in a delay slot is UNPREDICTABLE (ISA, "Jump and Branch
 * Instructions": "Software must not place a branch or jump in a branch
 * delay slot"), as is ERET in a delay slot. This model defines both as a
 * Reserved Instruction exception (dbt/interp.c, the Release 6 rule),
 * raised for the instruction in the slot: EPC = the first branch, BD = 1,
 * and the slot's branch has no effect (no link written).
 */
#include "kernel_util.h"
TEST_BEGIN 21, 4
    move $s7, $ra
    EXC_RESUME_AT r1
b1: beq $zero, $zero, far
    b far2
    FAIL
r1: CHECK_EXC_AT 1, X_RI, b1, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r2
    li $ra, 0x1234
    la $t0, far
b2: jr $t0
    jal far2                       /* jal in a slot: RI, $ra untouched */
    FAIL
r2: CHECK_EXC_AT 2, X_RI, b2, 0x180
    CHECK_BD 1
    CHECK_EQ $ra, 0x1234

    EXC_RESUME_AT r3
b3: bne $zero, $zero, far          /* not taken: the slot still executes */
    beql $zero, $zero, far2
    FAIL
r3: CHECK_EXC_AT 3, X_RI, b3, 0x180
    CHECK_BD 1

    EXC_RESUME_AT r4
    la $t1, r4bad
    mtc0 $t1, C0_EPC
b4: b far
    eret                           /* eret in a slot: RI */
    FAIL
r4: CHECK_EXC_AT 4, X_RI, b4, 0x180
    CHECK_BD 1
    move $ra, $s7
    b done
    nop
far:
    FAIL
far2:
    FAIL
r4bad:
    FAIL
done:
TEST_END

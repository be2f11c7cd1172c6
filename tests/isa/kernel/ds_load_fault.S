/*
 * An exception in a branch delay slot (PRA 6.2.1: "if the instruction is in
 * a branch delay slot, EPC <- PC - 4 (the branch) and Cause.BD <- 1";
 * 9.39 EPC). A misaligned access in the slot of a taken beq, a not-taken
 * bne, a jal and a jr: EPC = the branch/jump, BD = 1, BadVAddr = the access
 * address. A jump-and-link has already written its link register.
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0
TEST_BEGIN 28, 5
    move $s7, $ra
    la $s0, buf
    EXC_RESUME_AT r1
b1: beq $zero, $zero, 1f           /* taken */
    lw $t0, 1($s0)
1:  FAIL
r1: CHECK_EXC_AT 1, X_ADEL, b1, 0x180
    CHECK_BD 1
    addiu $t1, $s0, 1
    CHECK_EXC_REG EXC_BADVADDR, $t1

    EXC_RESUME_AT r2
b2: bne $zero, $zero, 1f           /* not taken */
    lh $t0, 3($s0)
    FAIL
1:  FAIL
r2: CHECK_EXC_AT 2, X_ADEL, b2, 0x180
    CHECK_BD 1
    addiu $t1, $s0, 3
    CHECK_EXC_REG EXC_BADVADDR, $t1

    EXC_RESUME_AT r3
    move $ra, $zero
b3: jal jal_target
    sw $t0, 2($s0)                 /* AdES in a jal slot */
l3: FAIL
jal_target:
    FAIL
r3: CHECK_EXC_AT 3, X_ADES, b3, 0x180
    CHECK_BD 1
    CHECK_LABEL $ra, l3            /* link = jal + 8 */

    EXC_RESUME_AT r4
    la $t2, jal_target
b4: jr $t2
    lw $t0, 2($s0)
    FAIL
r4: CHECK_EXC_AT 4, X_ADEL, b4, 0x180
    CHECK_BD 1

    /* the next exception outside a slot clears BD again */
l5: lw $t0, 1($s0)
    CHECK_EXC_AT 5, X_ADEL, l5, 0x180
    CHECK_BD 0
    move $ra, $s7
TEST_END

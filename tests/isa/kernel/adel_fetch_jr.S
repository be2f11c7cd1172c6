/*
 * Instruction fetch from a misaligned PC (ISA JR/JALR: "if the target
 * address is not word aligned ... an Address Error exception occurs when
 * the target instruction is fetched"; PRA 6.2.8). ExcCode AdEL, EPC =
 * BadVAddr = the misaligned target, BD = 0 (the faulting "instruction" is
 * the target, not the slot). The jump's delay slot has executed and
 * jalr's link register is written.
 */
#include "kernel_util.h"
TEST_BEGIN 14, 2
    la $s0, target
    addiu $s1, $s0, 2              /* misaligned target */
    EXC_RESUME_AT r1
    li $t0, 0
    jr $s1
    addiu $t0, $t0, 1              /* delay slot executes */
    FAIL
r1: CHECK_EQ $t0, 1
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_ADEL
    CHECK_EXC_REG EXC_EPC, $s1
    CHECK_EXC_REG EXC_BADVADDR, $s1
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_BD 0

    addiu $s1, $s0, 1
    EXC_RESUME_AT r2
    li $t0, 0
j2: jalr $s2, $s1
    addiu $t0, $t0, 2
    FAIL
r2: CHECK_EQ $t0, 2
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_ADEL
    CHECK_EXC_REG EXC_EPC, $s1
    CHECK_EXC_REG EXC_BADVADDR, $s1
    la $t1, j2
    addiu $t1, $t1, 8
    CHECK_REG $s2, $t1             /* link = jalr + 8 */

    /* an aligned jr to the same place works */
    jr $s0
    nop
    FAIL
target:
    CHECK_EXC EXC_COUNT, 2
TEST_END

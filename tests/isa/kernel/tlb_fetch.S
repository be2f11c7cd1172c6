/*
 * Kernel-mode instruction fetch through the TLB (PRA 4.9; 6.2.5/6.2.6):
 * code in a page mapped at kseg2 runs and returns; a jump to an unmapped
 * kseg2 address raises TLBL at the refill vector with EPC = BadVAddr = the
 * target (the jump and its slot completed, BD = 0); a jump to the invalid
 * half of the pair raises TLBL at the general vector.
 */
#include "kernel_util.h"
#define CODE_VA 0xC0100000
TEST_BEGIN 14, 2
    move $s7, $ra
    la $t0, code_page
    PA_LO $t1, $t0, LO_VDG
    li $t2, (LO_C3 | LO_G)                 /* odd page invalid */
    li $t3, CODE_VA
    TLB_WRITE_R 6, $t3, $t1, $t2, PM_4K
    li $a0, 20
    li $t4, CODE_VA
    jalr $t4                               /* run mapped code */
    nop
    CHECK_EQ $v0, 62
    CHECK_EXC EXC_COUNT, 0

    li $s0, CODE_VA + 0x2000               /* unmapped */
    EXC_RESUME_AT r1
    li $t5, 0
    jr $s0
    addiu $t5, $t5, 1
    FAIL
r1: CHECK_EQ $t5, 1
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x000
    CHECK_EXC_REG EXC_EPC, $s0
    CHECK_EXC_REG EXC_BADVADDR, $s0
    CHECK_BD 0

    li $s0, CODE_VA + 0x1000               /* invalid odd page */
    EXC_RESUME_AT r2
    jr $s0
    nop
    FAIL
r2: CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_TLBL
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_REG EXC_EPC, $s0
    CHECK_EXC_REG EXC_BADVADDR, $s0
    move $ra, $s7
TEST_END

    .text
    .balign 4096
code_page:                                 /* position independent: v0 = a0 * 3 + 2 */
    sll $v0, $a0, 1
    addu $v0, $v0, $a0
    jr $ra
    addiu $v0, $v0, 2

/*
 * The timer interrupt is taken (PRA 9.15, 9.38, 6.1.2): Status.IE = 1 and
 * IM7 set, Count reaching Compare raises Interrupt (ExcCode 0) with
 * Cause.TI = 1 and IP7 = 1. With IM7 clear the same request is not taken.
 * Writing Compare acknowledges it.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 6, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    /* masked by IM7 = 0: TI shows up but nothing is taken */
    li $t0, (S_CU0 | S_IE | S_IM0)
    mtc0 $t0, C0_STATUS
    mfc0 $t1, C0_COUNT
    addiu $t1, $t1, 40
    mtc0 $t1, C0_COMPARE
    ehb
    li $t2, 200000
1:  mfc0 $t3, C0_CAUSE
    li $t9, CA_TI
    and $t4, $t3, $t9
    bnez $t4, 2f
    addiu $t2, $t2, -1
    bnez $t2, 1b
    nop
    FAIL
2:  CHECK_EXC EXC_COUNT, 0
    mtc0 $t1, C0_COMPARE           /* acknowledge */
    ehb

    /* unmasked: taken */
    li $t0, (S_CU0 | S_IE | S_IM7)
    mtc0 $t0, C0_STATUS
    mfc0 $t1, C0_COUNT
    addiu $t1, $t1, 40
    mtc0 $t1, C0_COMPARE
    ehb
    la $s0, exc_info
    li $t2, 200000
3:  lw $t3, EXC_COUNT($s0)
    bnez $t3, 4f
    addiu $t2, $t2, -1
    bnez $t2, 3b
    nop
    FAIL
4:  CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x180
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, (CA_TI | CA_IP7), (CA_TI | CA_IP7)
    mtc0 $t1, C0_COMPARE
    ehb
    mfc0 $t3, C0_CAUSE
    CHECK_MASK $t3, (CA_TI | CA_IP7), 0
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

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
    TIMER_ARM 0x10000
    TIMER_POLL_TI
    CHECK_EXC EXC_COUNT, 0
    mtc0 $t1, C0_COMPARE           /* acknowledge */
    ehb

    /* unmasked: taken (armed while IM7 = 0, then unmasked) */
    TIMER_ARM 0x10000
    li $t0, (S_CU0 | S_IE | S_IM7)
    mtc0 $t0, C0_STATUS
    ehb
    la $s0, exc_info
    li $t2, 0x08000000             /* give up 2^27 Count ticks past Compare */
3:  lw $t3, EXC_COUNT($s0)
    bnez $t3, 4f
    nop
    mfc0 $t4, C0_COUNT
    subu $t4, $t4, $t1
    bltz $t4, 3b                   /* Count not at Compare yet */
    nop
    sltu $t4, $t4, $t2
    bnez $t4, 3b
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

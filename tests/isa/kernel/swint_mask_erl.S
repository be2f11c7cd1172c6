/*
 * Status.ERL = 1 masks interrupts even with IE = 1 (PRA 9.37: "ERL ...
 * interrupts are disabled"). Clearing ERL with mtc0 Status lets the pending
 * request in.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 5, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM1 | S_IE | S_ERL)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP1
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    nop
    CHECK_EXC EXC_COUNT, 0
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP1
    li $t0, (S_CU0 | S_IM1 | S_IE)
    mtc0 $t0, C0_STATUS
a1: ehb
a2: nop
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC_BETWEEN EXC_EPC, a1, a2
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

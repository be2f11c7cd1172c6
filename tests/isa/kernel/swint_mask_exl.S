/*
 * Status.EXL = 1 masks interrupts even with IE = 1 (PRA 9.37: "EXL ...
 * interrupts are disabled"; 6.1.2 requires EXL = 0). An eret that clears
 * EXL lets the pending request in: it is taken right at (or just after)
 * the eret target, never before it.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 4, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM0 | S_IE | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP0
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    nop
    CHECK_EXC EXC_COUNT, 0
    la $t2, a1
    mtc0 $t2, C0_EPC
    ehb
    eret
    FAIL
a1: nop
a2: nop
a3: nop
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC_BETWEEN EXC_EPC, a1, a3
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

/*
 * Status.IE = 0 disables all interrupts (PRA 9.37 IE; 6.1.2), while the
 * request stays pending in Cause.IP. DI returns the old Status and clears
 * IE; EI returns the old Status and sets IE (ISA DI/EI: "GPR[rt] <- Status;
 * StatusIE <- 0/1"); once EI enables it the pending request is taken
 * (EPC between EI's successor and the ehb's).
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 9, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM0 | S_IE)
    mtc0 $t0, C0_STATUS
    ehb
    di $t3
    ehb
    CHECK_EQ $t3, (S_CU0 | S_IM0 | S_IE)
    li $t1, CA_IP0
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    nop
    CHECK_EXC EXC_COUNT, 0
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP0
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, (S_CU0 | S_IM0)
    ei $t4
a1: ehb
a2: nop
    CHECK_EQ $t4, (S_CU0 | S_IM0)
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC_BETWEEN EXC_EPC, a1, a2
    EXC_LOAD $t2, EXC_STATUS
    CHECK_EQ $t2, (S_CU0 | S_IM0 | S_IE | S_EXL)
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

/*
 * An interrupt request is taken only if its Status.IM bit is set (PRA
 * 6.1.2: "an interrupt is signaled when ... IP[n] and IM[n] are both 1").
 * A masked request is still visible in Cause.IP (PRA 9.38: IP reflects
 * pending requests regardless of masking). Unmasking it with mtc0 Status
 * takes it at once (EPC between the mtc0's successor and the ehb's).
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 6, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM1 | S_IE)     /* IM0 clear */
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP0
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    nop
    CHECK_EXC EXC_COUNT, 0
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP0
    li $t0, (S_CU0 | S_IM0 | S_IM1 | S_IE)
    mtc0 $t0, C0_STATUS
a1: ehb
a2: nop
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC_BETWEEN EXC_EPC, a1, a2
    EXC_LOAD $t2, EXC_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP0
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

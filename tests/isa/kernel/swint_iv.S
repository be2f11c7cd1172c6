/*
 * Cause.IV = 1 (PRA 9.38: "IV: indicates whether an interrupt exception
 * uses the general exception vector or a special interrupt vector"; with
 * BEV = 0 and IntCtl.VS = 0 the special vector is EBase + 0x200). Only the
 * Interrupt exception moves: a syscall still uses +0x180.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 10, 2
    TIMER_FAR
    li $t1, CA_IV
    mtc0 $t1, C0_CAUSE
    ehb
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, CA_IV, CA_IV   /* IV is writable */
l0: syscall
    CHECK_EXC_AT 1, X_SYS, l0, 0x180
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM0 | S_IM1 | S_IE)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, (CA_IV | CA_IP1)
    mtc0 $t1, C0_CAUSE
a1: ehb
a2: nop
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x200
    CHECK_EXC_BETWEEN EXC_EPC, a1, a2
    EXC_LOAD $t2, EXC_CAUSE
    CHECK_MASK $t2, (CA_IV | 0xFF7C), (CA_IV | CA_IP1)
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

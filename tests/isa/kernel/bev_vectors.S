/*
 * Boot exception vectors (PRA 6.2 table "Exception Vector Base Addresses":
 * with Status.BEV = 1 the base is 0xBFC00200, so refill -> 0xBFC00200,
 * general -> 0xBFC00380, interrupt with Cause.IV = 1 -> 0xBFC00400, and
 * EBase is ignored). The crt's boot stubs record these as 0x1200, 0x1380
 * and 0x1400.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 22, 6
    TIMER_FAR
    li $t0, (S_CU0 | S_BEV)
    mtc0 $t0, C0_STATUS
    ehb
    li $t0, 0x80020000             /* no vectors there: must not be used */
    mtc0 $t0, $15, 1
    ehb
l1: syscall
    CHECK_EXC_AT 1, X_SYS, l1, 0x1380
    EXC_LOAD $t1, EXC_STATUS
    CHECK_MASK $t1, S_BEV, S_BEV
    li $s0, 0x00001000
l2: lw $t1, 0($s0)                 /* refill, EXL = 0 */
    CHECK_EXC_AT 2, X_TLBL, l2, 0x1200
    /* refill with EXL = 1: the general boot vector */
    la $t2, m3
    mtc0 $t2, C0_EPC
    li $t0, (S_CU0 | S_BEV | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    EXC_RESUME_AT m3
    sw $zero, 0($s0)
    FAIL
m3: CHECK_EXC EXC_COUNT, 3
    CHECK_CODE X_TLBS
    CHECK_EXC EXC_VECTOR, 0x1380
    /* interrupts: IV = 0 -> 0x380, IV = 1 -> 0x400 */
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_BEV | S_IE | S_IM0)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP0
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    CHECK_EXC EXC_COUNT, 4
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x1380
    mtc0 $zero, C0_CAUSE
    li $t0, (S_CU0 | S_BEV | S_IE | S_IM0)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, (CA_IP0 | CA_IV)
    mtc0 $t1, C0_CAUSE
    ehb
    nop
    CHECK_EXC EXC_COUNT, 5
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x1400
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    li $t0, 0x80000000             /* still BEV = 1 */
    mtc0 $t0, $15, 1
    ehb
    KERNEL_STATUS
    /* BEV = 0 again: back to EBase */
l6: syscall
    CHECK_EXC_AT 6, X_SYS, l6, 0x180
TEST_END

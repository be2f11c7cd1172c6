/*
 * Software interrupts (PRA 6.1.2 / 9.38 Cause.IP1..IP0: "software
 * interrupt request", writable): with Status.IE = 1, EXL = ERL = 0 and the
 * matching Status.IM bit, setting Cause.IP0 (or IP1) raises an Interrupt
 * exception, ExcCode Int (0), taken at the general vector EBase + 0x180
 * when Cause.IV = 0 (PRA table "Exception Vector Offsets"). EPC = the first
 * instruction not executed: it must lie between the instruction after the
 * mtc0 and the one after the ehb that clears the hazard (PRA ch. 7
 * hazards: mtc0 Cause -> interrupt). The IP bit stays set until software
 * clears it.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 13, 2
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IM0 | S_IE)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP0
    mtc0 $t1, C0_CAUSE
a1: ehb
a2: nop
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_BETWEEN EXC_EPC, a1, a2
    EXC_LOAD $t2, EXC_CAUSE
    CHECK_MASK $t2, 0x8000FF7C, CA_IP0     /* IP0 pending, ExcCode 0, BD 0 */
    EXC_LOAD $t2, EXC_STATUS
    CHECK_EQ $t2, (S_CU0 | S_IM0 | S_IE | S_EXL)
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP0  /* still requested */
    mtc0 $zero, C0_CAUSE
    ehb
    mfc0 $t2, C0_CAUSE
    CHECK_MASK $t2, 0x300, 0

    /* IP1 with IM1 */
    li $t0, (S_CU0 | S_IM1 | S_IE)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, CA_IP1
    mtc0 $t1, C0_CAUSE
b1: ehb
b2: nop
    CHECK_EXC EXC_COUNT, 2
    CHECK_CODE X_INT
    CHECK_EXC EXC_VECTOR, 0x180
    CHECK_EXC_BETWEEN EXC_EPC, b1, b2
    EXC_LOAD $t2, EXC_CAUSE
    CHECK_MASK $t2, 0x300, CA_IP1
    mtc0 $zero, C0_CAUSE
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

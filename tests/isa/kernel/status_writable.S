/*
 * Status writable bits (PRA 9.37): CU0, BEV, IM7..IM0, KSU, ERL, EXL, IE
 * are R/W. Read-only zero on this CPU: CU3..CU1 (no coprocessors 1-3), FR
 * (no FPU), MX (no DSP/MDMX), PX, KX, SX, UX (64-bit only), TS (software
 * "cannot force a 0-1 transition"), and the reserved bits 18:16 and 7:5.
 */
#include "kernel_util.h"
TEST_BEGIN
    TIMER_FAR
    /* everything R/W at once; EXL+ERL keep kernel mode and block interrupts */
    li $t0, 0x1040FF17
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, 0x1040FF17
    li $t0, 0x0000A50E             /* some of them cleared */
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, 0x0000A50E
    /* read-only bits */
    li $t0, 0xE5A700E0 | S_CU0 | S_ERL
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_ERL)
    /* KSU = 1 (supervisor) stored as written, EXL keeps kernel mode */
    li $t0, (S_CU0 | S_EXL | 0x08)
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | 0x08)
    KERNEL_STATUS
    CHECK_C0 C0_STATUS, 0, S_CU0
    CHECK_EXC EXC_COUNT, 0
TEST_END

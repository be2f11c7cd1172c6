/*
 * Status writable bits (PRA 9.37): CU0, BEV, IM7..IM0, KSU, ERL, EXL, IE
 * are R/W, and on the default 24Kf CU1 and FR (its 64-bit FPU; on the 24Kc
 * they read 0: tests/isa/nofpu/cpu_cu1_readonly). Read-only zero: CU3, CU2
 * (no coprocessors 2, 3), MX (no DSP/MDMX), PX, KX, SX, UX (64-bit only), TS
 * (software "cannot force a 0-1 transition"), the reserved bits 18:16, 7:5.
 */
#include "kernel_util.h"
TEST_BEGIN 6
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
    /* read-only bits (and CU1, FR) */
    li $t0, 0xE5A700E0 | S_CU0 | S_ERL
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_ERL | 0x24000000)
    /* KSU = 1 (supervisor) stored as written, EXL keeps kernel mode */
    li $t0, (S_CU0 | S_EXL | 0x08)
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | 0x08)
    KERNEL_STATUS
    CHECK_C0 C0_STATUS, 0, S_CU0
    CHECK_EXC EXC_COUNT, 0
TEST_END

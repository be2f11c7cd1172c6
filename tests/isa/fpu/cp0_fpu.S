/*
 * The CP0 side of the 24Kf's FPU (QEMU target/mips/cpu-defs.c.inc 24Kf;
 * devices/malta/README.md §2.1, §2.2; PRA 9.37 Status, 9.43 Config1):
 * Config1 = 0x9E190C81, the 24K value with FP (bit 0) set (no EJTAG, MIPS16e or
 * watch registers are modelled, so EP, CA, WR stay 0, where QEMU's 24Kf sets CA);
 * FIR = 0x00739300. Status.CU1 and Status.FR are writable (a 64-bit FPU), CU2 and
 * CU3 are not (no such coprocessors).
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 8
    CHECK_C0 C0_CONFIG, 1, 0x9E190C81
    /* read only */
    li $t0, 0
    mtc0 $t0, C0_CONFIG, 1
    ehb
    CHECK_C0 C0_CONFIG, 1, 0x9E190C81
    /* CU3..CU0 and FR written: CU1, FR and CU0 stay */
    li $t0, 0xF4000000
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_CU1 | S_FR)
    li $t0, (S_CU0 | S_CU1)
    mtc0 $t0, C0_STATUS
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_CU1)
    cfc1 $t0, $0
    CHECK_EQ $t0, 0x00739300
    /* FIR is read only */
    li $t0, 0
    ctc1 $t0, $0
    cfc1 $t0, $0
    CHECK_EQ $t0, 0x00739300
    KERNEL_STATUS
    CHECK_C0 C0_STATUS, 0, S_CU0
    CHECK_EXC EXC_COUNT, 0
TEST_END

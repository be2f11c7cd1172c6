/*
 * On this FPU-less CPU Status.CU1 (and FR) cannot be set: the model
 * documents "Status.CU1 and Status.FR are not writable (no FPU,
 * Config1.FP = 0)" (monitor/cp0.c), as on a 24K without an FPU. Writing
 * CU1 = 1 reads back 0, and COP1 instructions still raise CpU with CE = 1
 * (PRA 6.2.17). CU2 and CU3 likewise read 0 (no such coprocessors).
 */
#include "kernel_util.h"
TEST_BEGIN 7, 1
    li $t0, 0xF4000000             /* CU3..CU0 and FR */
    mtc0 $t0, C0_STATUS
    ehb
    mfc0 $t1, C0_STATUS
    CHECK_MASK $t1, 0xF4000000, S_CU0
    mfc0 $t1, C0_CONFIG, 1
    CHECK_MASK $t1, 1, 0           /* Config1.FP = 0 */
l1: .word 0x46000000               /* add.s */
    CHECK_EXC_AT 1, X_CPU, l1, 0x180
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x30000000, 0x10000000
    KERNEL_STATUS
TEST_END

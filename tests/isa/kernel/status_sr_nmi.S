/*
 * Status.SR (bit 20) and Status.NMI (bit 19) record the cause of a reset
 * vector entry; PRA 9.37: "Software can only write a 0 to this bit to
 * clear it and cannot force a 0-1 transition". After the cold reset both
 * are 0, so writing 1 must leave them 0.
 */
#include "kernel_util.h"
TEST_BEGIN 2
    mfc0 $t0, C0_STATUS
    CHECK_MASK $t0, 0x00180000, 0
    li $t0, (S_CU0 | 0x00180000)
    mtc0 $t0, C0_STATUS
    ehb
    mfc0 $t1, C0_STATUS
    CHECK_MASK $t1, 0x00180000, 0
    KERNEL_STATUS
TEST_END

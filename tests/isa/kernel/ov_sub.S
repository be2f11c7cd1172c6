/*
 * SUB overflows when the 33-bit difference's bits 32 and 31 differ (ISA
 * SUB: "temp <- (GPR[rs]31||GPR[rs]) - (GPR[rt]31||GPR[rt]); if temp32 !=
 * temp31 then SignalException(IntegerOverflow)"); rd unchanged. SUBU never
 * traps.
 */
#include "kernel_util.h"
TEST_BEGIN 19, 3
    li $s0, 0x80000000
    li $s1, 1
    li $s2, 0x7FFFFFFF
    li $s3, -1
    li $t1, 0x12121212
    move $t0, $t1
l1: sub $t0, $s0, $s1              /* INT_MIN - 1 */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 1, X_OV, l1, 0x180
l2: sub $t0, $s2, $s3              /* INT_MAX - (-1) */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 2, X_OV, l2, 0x180
l3: sub $t0, $zero, $s0            /* 0 - INT_MIN */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 3, X_OV, l3, 0x180
    sub $t0, $s3, $s0              /* -1 - INT_MIN = INT_MAX: fine */
    CHECK_EQ $t0, 0x7FFFFFFF
    sub $t0, $s0, $s0
    CHECK_EQ $t0, 0
    subu $t0, $s0, $s1
    CHECK_EQ $t0, 0x7FFFFFFF
    CHECK_EXC EXC_COUNT, 3
TEST_END

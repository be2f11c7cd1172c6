/*
 * ADD signals Integer Overflow when the 33-bit sum's bits 32 and 31 differ
 * (ISA ADD: "if temp32 != temp31 then SignalException(IntegerOverflow)
 * else GPR[rd] <- temp"); PRA 6.2.19: ExcCode Ov (12), EPC = the add. The
 * destination register is NOT modified. ADDU never traps.
 */
#include "kernel_util.h"
TEST_BEGIN 26, 4
    li $s0, 0x7FFFFFFF
    li $s1, 1
    li $s2, 0x80000000
    li $s3, -1
    li $t1, 0xABCDEF01
    move $t0, $t1
l1: add $t0, $s0, $s1              /* INT_MAX + 1 */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 1, X_OV, l1, 0x180
    CHECK_EXL_SET
l2: add $t0, $s2, $s3              /* INT_MIN + -1 */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 2, X_OV, l2, 0x180
l3: add $t0, $s2, $s2              /* INT_MIN + INT_MIN */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 3, X_OV, l3, 0x180
l4: add $s0, $s0, $s0              /* rd == rs: source kept */
    CHECK_EQ $s0, 0x7FFFFFFF
    CHECK_EXC_AT 4, X_OV, l4, 0x180
    /* boundary cases that do not overflow */
    add $t0, $s0, $s3              /* INT_MAX - 1 */
    CHECK_EQ $t0, 0x7FFFFFFE
    add $t0, $s2, $s0              /* INT_MIN + INT_MAX = -1 */
    CHECK_EQ $t0, 0xFFFFFFFF
    add $t0, $s3, $s3
    CHECK_EQ $t0, 0xFFFFFFFE
    addu $t0, $s0, $s1             /* wraps silently */
    CHECK_EQ $t0, 0x80000000
    CHECK_EXC EXC_COUNT, 4
TEST_END

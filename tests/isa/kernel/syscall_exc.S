/*
 * SYSCALL (ISA SYSCALL; PRA 6.2.14 "System Call Exception"): ExcCode Sys
 * (8), EPC = the syscall instruction itself, general vector, EXL set, BD = 0.
 * The code field is ignored by the hardware. Registers are untouched.
 */
#include "kernel_util.h"
TEST_BEGIN 13, 2
    li $a0, 0x1234
    li $v0, 4001
l1: syscall
    CHECK_EXC_AT 1, X_SYS, l1, 0x180
    CHECK_EXL_SET
    CHECK_BD 0
    CHECK_EQ $a0, 0x1234
    CHECK_EQ $v0, 4001
l2: syscall 0x54321                /* 20-bit code field */
    CHECK_EXC_AT 2, X_SYS, l2, 0x180
    /* ExcCode replaced, the rest of Cause (IV, IP0/1 = 0 here) untouched */
    EXC_LOAD $t0, EXC_CAUSE
    CHECK_MASK $t0, 0x7FFFFF7C, (X_SYS << 2)
TEST_END

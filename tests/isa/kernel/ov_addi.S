/*
 * ADDI with a sign-extended immediate overflows like ADD (ISA ADDI:
 * "temp <- (GPR[rs]31||GPR[rs]) + sign_extend(immediate); if temp32 !=
 * temp31 then SignalException(IntegerOverflow) else GPR[rt] <- temp");
 * ExcCode Ov, rt unchanged. ADDIU never traps.
 */
#include "kernel_util.h"
TEST_BEGIN 24, 4
    li $s0, 0x7FFFFFFF
    li $s1, 0x80000000
    li $s2, 0x7FFF8000
    li $t1, 0x600D600D
    move $t0, $t1
l1: addi $t0, $s0, 1
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 1, X_OV, l1, 0x180
l2: addi $t0, $s1, -1
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 2, X_OV, l2, 0x180
l3: addi $t0, $s2, 0x7FFF + 1 - 1  /* 0x7FFF8000 + 0x7FFF = 0x7FFFFFFF: fine */
    CHECK_EQ $t0, 0x7FFFFFFF
l4: addi $t0, $t0, 0x7FFF          /* 0x7FFFFFFF + 0x7FFF: overflow */
    CHECK_EQ $t0, 0x7FFFFFFF
    CHECK_EXC_AT 3, X_OV, l4, 0x180
l5: addi $t0, $s1, -32768          /* INT_MIN - 0x8000: overflow */
    CHECK_EQ $t0, 0x7FFFFFFF
    CHECK_EXC_AT 4, X_OV, l5, 0x180
    addi $t0, $s1, 32767           /* fine */
    CHECK_EQ $t0, 0x80007FFF
    addiu $t0, $s0, 1
    CHECK_EQ $t0, 0x80000000
    CHECK_EXC EXC_COUNT, 4
TEST_END

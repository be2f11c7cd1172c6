/*
 * MUL writes rd = low 32 bits of the signed product; HI and LO are
 * UNPREDICTABLE afterwards (ISA MUL: "The contents of HI and LO are
 * UNPREDICTABLE after the operation"). This model defines them as
 * unchanged (dbt/interp.c). MULT/MULTU by contrast define both.
 */
#include "kernel_util.h"
TEST_BEGIN 7
    li $t0, 0x11112222
    li $t1, 0x33334444
    mthi $t0
    mtlo $t1
    li $t2, -3
    li $t3, 0x40000001
    mul $t4, $t2, $t3
    CHECK_EQ $t4, 0x3FFFFFFD       /* -3 * 0x40000001 = -0xC0000003 */
    mfhi $t5
    mflo $t6
    CHECK_EQ $t5, 0x11112222
    CHECK_EQ $t6, 0x33334444
    mult $t2, $t3
    mfhi $t5
    mflo $t6
    CHECK_EQ $t5, 0xFFFFFFFF
    CHECK_EQ $t6, 0x3FFFFFFD
    multu $t2, $t3
    mfhi $t5
    mflo $t6
    CHECK_EQ $t5, 0x40000000
    CHECK_EQ $t6, 0x3FFFFFFD
TEST_END

/* CLZ: GPR[rd] <- number of leading zeros of GPR[rs]; 32 if it is 0 (Vol. II, CLZ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    clz $t1, $zero
    CHECK_EQ $t1, 32
    li $t0, 1
    clz $t1, $t0
    CHECK_EQ $t1, 31
    li $t0, 0x80000000
    clz $t1, $t0
    CHECK_EQ $t1, 0
    li $t0, 0xffffffff
    clz $t1, $t0
    CHECK_EQ $t1, 0
    li $t0, 0x00010000
    clz $t1, $t0
    CHECK_EQ $t1, 15
    li $t0, 0x0001ffff          /* only the leading run counts */
    clz $t1, $t0
    CHECK_EQ $t1, 15
    li $t0, 0x00800000
    clz $t0, $t0                /* rd == rs */
    CHECK_EQ $t0, 8
UTEST_END

/* AND: GPR[rd] <- GPR[rs] and GPR[rt], bitwise (Vol. II, AND). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xf0f0f0f0
    li $t1, 0xff00ff00
    and $t2, $t0, $t1
    CHECK_EQ $t2, 0xf000f000
    and $t2, $t0, $zero
    CHECK_EQ $t2, 0
    li $t1, 0xffffffff
    and $t2, $t0, $t1
    CHECK_EQ $t2, 0xf0f0f0f0
    li $t0, 0x12345678
    li $t1, 0x0f0f0f0f
    and $t2, $t0, $t1
    CHECK_EQ $t2, 0x02040608
    and $t0, $t0, $t0           /* x & x = x */
    CHECK_EQ $t0, 0x12345678
UTEST_END

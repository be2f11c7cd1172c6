/* OR: GPR[rd] <- GPR[rs] or GPR[rt], bitwise (Vol. II, OR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xf0f0f0f0
    li $t1, 0xff00ff00
    or $t2, $t0, $t1
    CHECK_EQ $t2, 0xfff0fff0
    li $t0, 0x12345678
    or $t2, $t0, $zero          /* move idiom */
    CHECK_EQ $t2, 0x12345678
    li $t1, 0x0f0f0f0f
    or $t2, $t0, $t1
    CHECK_EQ $t2, 0x1f3f5f7f
    or $t2, $zero, $zero
    CHECK_EQ $t2, 0
    li $t0, 0x80000000
    li $t1, 0x00000001
    or $t1, $t0, $t1            /* rd == rt */
    CHECK_EQ $t1, 0x80000001
UTEST_END

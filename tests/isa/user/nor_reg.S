/* NOR: GPR[rd] <- not (GPR[rs] or GPR[rt]) (Vol. II, NOR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xf0f0f0f0
    li $t1, 0xff00ff00
    nor $t2, $t0, $t1
    CHECK_EQ $t2, 0x000f000f
    li $t0, 0x12345678
    nor $t2, $t0, $zero         /* not idiom */
    CHECK_EQ $t2, 0xedcba987
    nor $t2, $zero, $zero
    CHECK_EQ $t2, 0xffffffff
    li $t1, 0xffffffff
    nor $t2, $t1, $t0
    CHECK_EQ $t2, 0
    nor $t0, $t0, $t0           /* rd == rs == rt */
    CHECK_EQ $t0, 0xedcba987
UTEST_END

/* ORI: GPR[rt] <- GPR[rs] or zero_extend(immediate) (Vol. II, ORI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    ori $t1, $zero, 0x8000      /* not sign-extended */
    CHECK_EQ $t1, 0x00008000
    li $t0, 0xffff0000
    ori $t1, $t0, 0xffff
    CHECK_EQ $t1, 0xffffffff
    li $t0, 0x12340000
    ori $t1, $t0, 0x5678
    CHECK_EQ $t1, 0x12345678
    li $t0, 0x80000000
    ori $t1, $t0, 0xffff
    CHECK_EQ $t1, 0x8000ffff
    li $t0, 0x0000f0f0
    ori $t0, $t0, 0x0f0f        /* rt == rs */
    CHECK_EQ $t0, 0x0000ffff
UTEST_END

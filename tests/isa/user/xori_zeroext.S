/* XORI: GPR[rt] <- GPR[rs] xor zero_extend(immediate) (Vol. II, XORI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xffffffff
    xori $t1, $t0, 0xffff       /* the upper half is untouched */
    CHECK_EQ $t1, 0xffff0000
    xori $t1, $zero, 0x8000
    CHECK_EQ $t1, 0x00008000
    li $t0, 0x12345678
    xori $t1, $t0, 0x5678
    CHECK_EQ $t1, 0x12340000
    xori $t1, $t0, 0
    CHECK_EQ $t1, 0x12345678
    xori $t0, $t0, 0xffff       /* rt == rs */
    CHECK_EQ $t0, 0x1234a987
UTEST_END

/* ANDI: GPR[rt] <- GPR[rs] and zero_extend(immediate) (Vol. II, ANDI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xffffffff
    andi $t1, $t0, 0xffff       /* zero-extended: the upper half is cleared */
    CHECK_EQ $t1, 0x0000ffff
    andi $t1, $t0, 0x8000       /* bit 15 set but NOT sign-extended */
    CHECK_EQ $t1, 0x00008000
    andi $t1, $t0, 0
    CHECK_EQ $t1, 0
    li $t0, 0x12345678
    andi $t1, $t0, 0xff
    CHECK_EQ $t1, 0x78
    li $t0, 0x12348765
    andi $t0, $t0, 0xf0f0       /* rt == rs */
    CHECK_EQ $t0, 0x8060
UTEST_END

/* BNE: branch iff GPR[rs] != GPR[rt] (Vol. II, BNE). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x12345678
    li $t1, 0x12345678
    EXPECT_NOT_TAKEN bne, $t0, $t1
    li $t1, 0x12345679
    EXPECT_TAKEN bne, $t0, $t1
    li $t0, 0x80000000
    move $t1, $zero
    EXPECT_TAKEN bne, $t0, $t1
    EXPECT_NOT_TAKEN bne, $t0, $t0
    li $t0, 1
    EXPECT_TAKEN bne, $t0, $zero
UTEST_END

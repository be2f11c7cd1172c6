/* BLTZ: branch iff GPR[rs] < 0; BGEZ: iff GPR[rs] >= 0 (signed) (Vol. II, BLTZ, BGEZ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    li $t0, -1
    EXPECT_TAKEN bltz, $t0
    EXPECT_NOT_TAKEN bgez, $t0
    move $t0, $zero
    EXPECT_NOT_TAKEN bltz, $t0
    EXPECT_TAKEN bgez, $t0
    li $t0, 1
    EXPECT_NOT_TAKEN bltz, $t0
    EXPECT_TAKEN bgez, $t0
    li $t0, 0x80000000
    EXPECT_TAKEN bltz, $t0
    EXPECT_NOT_TAKEN bgez, $t0
    li $t0, 0x7fffffff
    EXPECT_NOT_TAKEN bltz, $t0
    EXPECT_TAKEN bgez, $t0
UTEST_END

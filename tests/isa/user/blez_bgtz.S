/* BLEZ: branch iff GPR[rs] <= 0 signed; BGTZ: iff GPR[rs] > 0 signed (Vol. II, BLEZ, BGTZ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    li $t0, -1
    EXPECT_TAKEN blez, $t0
    EXPECT_NOT_TAKEN bgtz, $t0
    move $t0, $zero
    EXPECT_TAKEN blez, $t0
    EXPECT_NOT_TAKEN bgtz, $t0
    li $t0, 1
    EXPECT_NOT_TAKEN blez, $t0
    EXPECT_TAKEN bgtz, $t0
    li $t0, 0x80000000          /* most negative */
    EXPECT_TAKEN blez, $t0
    EXPECT_NOT_TAKEN bgtz, $t0
    li $t0, 0x7fffffff          /* most positive */
    EXPECT_NOT_TAKEN blez, $t0
    EXPECT_TAKEN bgtz, $t0
UTEST_END

/* Branches on $zero: GPR[0] always reads 0 (Vol. I, GPR 0; Vol. II branch conditions). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 10
    EXPECT_TAKEN beq, $zero, $zero
    EXPECT_NOT_TAKEN bne, $zero, $zero
    EXPECT_TAKEN blez, $zero
    EXPECT_NOT_TAKEN bgtz, $zero
    EXPECT_NOT_TAKEN bltz, $zero
    EXPECT_TAKEN bgez, $zero
    li $t0, 0x80000000
    EXPECT_NOT_TAKEN beq, $t0, $zero
    EXPECT_TAKEN bne, $zero, $t0
    addiu $zero, $zero, 1       /* $0 stays 0 for the comparison */
    EXPECT_TAKEN beq, $zero, $zero
UTEST_END

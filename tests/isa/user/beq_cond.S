/* BEQ: branch iff GPR[rs] = GPR[rt] (all 32 bits compared) (Vol. II, BEQ). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x12345678
    li $t1, 0x12345678
    EXPECT_TAKEN beq, $t0, $t1
    li $t1, 0x12345679
    EXPECT_NOT_TAKEN beq, $t0, $t1
    li $t0, 0x80000000
    li $t1, 0x00000000          /* differ only in bit 31 */
    EXPECT_NOT_TAKEN beq, $t0, $t1
    EXPECT_TAKEN beq, $t0, $t0
    li $t0, -1
    li $t1, 0xffffffff
    EXPECT_TAKEN beq, $t0, $t1
UTEST_END

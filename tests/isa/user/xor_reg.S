/* XOR: GPR[rd] <- GPR[rs] xor GPR[rt], bitwise (Vol. II, XOR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0xf0f0f0f0
    li $t1, 0xff00ff00
    xor $t2, $t0, $t1
    CHECK_EQ $t2, 0x0ff00ff0
    xor $t2, $t0, $t0           /* x ^ x = 0 */
    CHECK_EQ $t2, 0
    li $t0, 0x12345678
    li $t1, 0xffffffff
    xor $t2, $t0, $t1           /* x ^ ~0 = ~x */
    CHECK_EQ $t2, 0xedcba987
    li $t1, 0x0f0f0f0f
    xor $t2, $t0, $t1
    CHECK_EQ $t2, 0x1d3b5977
    xor $t2, $t2, $t1           /* xor twice restores */
    CHECK_EQ $t2, 0x12345678
UTEST_END

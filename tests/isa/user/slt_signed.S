/* SLT: GPR[rd] <- (GPR[rs] < GPR[rt]) as signed 32-bit integers, 1 or 0 (Vol. II, SLT). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, -1
    slt $t2, $t0, $zero         /* -1 < 0 */
    CHECK_EQ $t2, 1
    slt $t2, $zero, $t0         /* 0 < -1 is false */
    CHECK_EQ $t2, 0
    li $t0, 0x80000000
    li $t1, 0x7fffffff
    slt $t2, $t0, $t1           /* most negative < most positive */
    CHECK_EQ $t2, 1
    slt $t2, $t1, $t0
    CHECK_EQ $t2, 0
    li $t0, 5
    slt $t2, $t0, $t0           /* equal: not less */
    CHECK_EQ $t2, 0
    li $t1, 4
    slt $t2, $t1, $t0
    CHECK_EQ $t2, 1
    li $t0, -2
    li $t1, -1
    slt $t2, $t0, $t1
    CHECK_EQ $t2, 1
    li $t2, 0x55555555          /* the whole register is written, not just bit 0 */
    slt $t2, $t1, $t0
    CHECK_EQ $t2, 0
UTEST_END

/* SUB without overflow: GPR[rd] <- GPR[rs] - GPR[rt] (Vol. II, SUB; overflow cases are in kernel/). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 10
    li $t1, 3
    sub $t2, $t0, $t1
    CHECK_EQ $t2, 7
    sub $t2, $t1, $t0           /* operand order: rs - rt */
    CHECK_EQ $t2, 0xfffffff9
    li $t1, 0x7fffffff
    sub $t2, $zero, $t1         /* 0 - (2^31-1) = -(2^31-1) */
    CHECK_EQ $t2, 0x80000001
    li $t0, -1
    sub $t2, $t0, $t1           /* -1 - (2^31-1) = -2^31 */
    CHECK_EQ $t2, 0x80000000
    li $t0, 0xfffffffe
    li $t1, 0x80000000
    sub $t2, $t0, $t1           /* -2 - (-2^31) = 2^31-2 */
    CHECK_EQ $t2, 0x7ffffffe
    sub $t2, $t1, $t1
    CHECK_EQ $t2, 0
UTEST_END

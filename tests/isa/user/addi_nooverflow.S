/* ADDI without overflow: GPR[rt] <- GPR[rs] + sign_extend(immediate) (Vol. II, ADDI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x7fff0000
    addi $t1, $t0, 32767
    CHECK_EQ $t1, 0x7fff7fff
    li $t0, 0x80008000
    addi $t1, $t0, -32768       /* immediate 0x8000 sign-extends to 0xffff8000 */
    CHECK_EQ $t1, 0x80000000
    addi $t1, $zero, -1
    CHECK_EQ $t1, 0xffffffff
    li $t0, 5
    addi $t1, $t0, -7
    CHECK_EQ $t1, 0xfffffffe
    li $t0, 0x7ffffffe
    addi $t0, $t0, 1            /* rt == rs */
    CHECK_EQ $t0, 0x7fffffff
    li $t0, 0x80000000
    addi $t1, $t0, 0
    CHECK_EQ $t1, 0x80000000
UTEST_END

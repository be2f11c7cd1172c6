/* SLTIU: the immediate is sign-extended, then compared UNSIGNED with GPR[rs] (Vol. II, SLTIU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 10
    sltiu $t2, $zero, 1         /* "x == 0" idiom */
    CHECK_EQ $t2, 1
    li $t0, 1
    sltiu $t2, $t0, 1
    CHECK_EQ $t2, 0
    li $t0, 0xfffffffe
    sltiu $t2, $t0, -1          /* -1 -> 0xffffffff, the largest unsigned value */
    CHECK_EQ $t2, 1
    li $t0, 0xffffffff
    sltiu $t2, $t0, -1
    CHECK_EQ $t2, 0
    li $t0, 0x7fffffff
    sltiu $t2, $t0, -32768      /* 0x7fffffff < 0xffff8000 unsigned */
    CHECK_EQ $t2, 1
    li $t0, 0xffff8000
    sltiu $t2, $t0, -32768
    CHECK_EQ $t2, 0
    li $t0, 0xffff7fff
    sltiu $t2, $t0, -32768
    CHECK_EQ $t2, 1
    li $t0, 0x8000
    sltiu $t2, $t0, 0x7fff
    CHECK_EQ $t2, 0
    li $t0, 0x80000000          /* negative as signed, but large unsigned */
    sltiu $t2, $t0, 5
    CHECK_EQ $t2, 0
UTEST_END

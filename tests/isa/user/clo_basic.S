/* CLO: GPR[rd] <- number of leading ones of GPR[rs]; 32 if it is all ones (Vol. II, CLO). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 0xffffffff
    clo $t1, $t0
    CHECK_EQ $t1, 32
    clo $t1, $zero
    CHECK_EQ $t1, 0
    li $t0, 0x80000000
    clo $t1, $t0
    CHECK_EQ $t1, 1
    li $t0, 0xfffe0000
    clo $t1, $t0
    CHECK_EQ $t1, 15
    li $t0, 0x7fffffff
    clo $t1, $t0
    CHECK_EQ $t1, 0
    li $t0, 0xfffffffe
    clo $t1, $t0
    CHECK_EQ $t1, 31
    li $t0, 0xff00ffff          /* only the leading run counts */
    clo $t0, $t0
    CHECK_EQ $t0, 8
UTEST_END

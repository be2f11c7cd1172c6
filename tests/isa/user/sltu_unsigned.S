/* SLTU: GPR[rd] <- (GPR[rs] < GPR[rt]) as unsigned 32-bit integers (Vol. II, SLTU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0xffffffff
    sltu $t2, $t0, $zero
    CHECK_EQ $t2, 0
    sltu $t2, $zero, $t0        /* 0 < 2^32-1 unsigned */
    CHECK_EQ $t2, 1
    li $t0, 0x7fffffff
    li $t1, 0x80000000
    sltu $t2, $t0, $t1          /* opposite of the signed order */
    CHECK_EQ $t2, 1
    sltu $t2, $t1, $t0
    CHECK_EQ $t2, 0
    li $t0, 5
    sltu $t2, $t0, $t0
    CHECK_EQ $t2, 0
    li $t0, 0x80000000          /* "x != 0" idiom: sltu rd, $0, x */
    sltu $t2, $zero, $t0
    CHECK_EQ $t2, 1
    sltu $t2, $zero, $zero
    CHECK_EQ $t2, 0
    li $t0, 0xfffffffe
    li $t1, 0xffffffff
    sltu $t2, $t0, $t1
    CHECK_EQ $t2, 1
UTEST_END

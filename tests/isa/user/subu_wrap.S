/* SUBU: GPR[rd] <- GPR[rs] - GPR[rt] modulo 2^32, never traps (Vol. II, SUBU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t1, 1
    subu $t2, $zero, $t1
    CHECK_EQ $t2, 0xffffffff
    li $t0, 0x80000000
    subu $t2, $t0, $t1          /* signed overflow, no trap */
    CHECK_EQ $t2, 0x7fffffff
    li $t0, 0x7fffffff
    li $t1, 0xffffffff
    subu $t2, $t0, $t1
    CHECK_EQ $t2, 0x80000000
    li $t0, 10
    li $t1, 3
    subu $t1, $t0, $t1          /* rd == rt */
    CHECK_EQ $t1, 7
    subu $t2, $zero, $t0        /* negu idiom */
    CHECK_EQ $t2, 0xfffffff6
    li $t0, 0x00010000
    li $t1, 0x00000001
    subu $t2, $t0, $t1          /* borrow across the halves */
    CHECK_EQ $t2, 0x0000ffff
UTEST_END

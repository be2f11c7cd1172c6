/* ADDU: GPR[rd] <- GPR[rs] + GPR[rt], the 32-bit modular sum; never traps (Vol. II, ADDU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 1
    li $t1, 2
    addu $t2, $t0, $t1
    CHECK_EQ $t2, 3
    li $t0, 0xffffffff          /* carry out of bit 31 is discarded */
    li $t1, 1
    addu $t2, $t0, $t1
    CHECK_EQ $t2, 0
    li $t0, 0x80000000
    addu $t2, $t0, $t0
    CHECK_EQ $t2, 0
    li $t0, 0x7fffffff          /* signed overflow, but ADDU does not trap */
    addu $t2, $t0, $t0
    CHECK_EQ $t2, 0xfffffffe
    li $t0, 0x12345678
    li $t1, 0x87654321
    addu $t2, $t0, $t1
    CHECK_EQ $t2, 0x99999999
    li $t0, 5                   /* rd == rs == rt: operands read before the write */
    addu $t0, $t0, $t0
    CHECK_EQ $t0, 10
    li $t1, 0x0000ffff          /* carries ripple across the halves */
    li $t0, 0x00000001
    addu $t1, $t1, $t0
    CHECK_EQ $t1, 0x00010000
UTEST_END

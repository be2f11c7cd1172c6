/* MULTU: (HI,LO) <- GPR[rs] * GPR[rt], full unsigned 64-bit product (Vol. II, MULTU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 15
    li $t0, 0xffffffff
    multu $t0, $t0              /* (2^32-1)^2 = 2^64 - 2^33 + 1 */
    CHECK_HILO 0xfffffffe, 1
    li $t0, 0x80000000
    multu $t0, $t0
    CHECK_HILO 0x40000000, 0
    li $t1, 0xffffffff
    multu $t0, $t1              /* 2^31 * (2^32-1) = 2^63 - 2^31 */
    CHECK_HILO 0x7fffffff, 0x80000000
    li $t0, 0x12345678
    li $t1, 0x87654321
    multu $t0, $t1
    CHECK_HILO 0x09a0cd05, 0x70b88d78
    li $t0, 0xdeadbeef
    li $t1, 0xcafebabe
    multu $t0, $t1
    CHECK_HILO 0xb092ab7b, 0x88cf5b62
    li $t0, 0x10000
    multu $t0, $t0              /* 2^32: exactly one in HI */
    CHECK_HILO 1, 0
    li $t0, 7
    li $t1, 6
    multu $t0, $t1
    CHECK_HILO 0, 42
UTEST_END

/* DIVU: LO <- unsigned quotient, HI <- unsigned remainder (Vol. II, DIVU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 13
    li $t0, 0x80000000
    li $t1, 0x7fffffff
    divu $zero, $t0, $t1        /* 2^31 = 1 * (2^31-1) + 1 */
    CHECK_HILO 1, 1
    li $t0, 0xffffffff
    li $t1, 0x10
    divu $zero, $t0, $t1
    CHECK_HILO 0xf, 0x0fffffff
    li $t0, 7
    li $t1, 0xffffffff          /* a huge divisor, not -1 */
    divu $zero, $t0, $t1
    CHECK_HILO 7, 0
    li $t0, 0xfffffff9          /* "-7" is 4294967289 unsigned */
    li $t1, 2
    divu $zero, $t0, $t1
    CHECK_HILO 1, 0x7ffffffc
    li $t0, 0xffffffff
    divu $zero, $t0, $t0
    CHECK_HILO 0, 1
    li $t0, 1000000
    li $t1, 37
    divu $zero, $t0, $t1        /* 1000000 = 27027 * 37 + 1 */
    CHECK_HILO 1, 27027
UTEST_END

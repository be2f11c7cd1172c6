/* MSUB: (HI,LO) <- (HI,LO) - GPR[rs]*GPR[rt], signed 64-bit; borrows propagate into HI (Vol. II, MSUB). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    SET_HILO 1, 0
    li $t0, 1
    msub $t0, $t0               /* 2^32 - 1 */
    CHECK_HILO 0, 0xffffffff
    SET_HILO 0, 0
    li $t0, 0xffffffff
    li $t1, 2
    msub $t0, $t1               /* 0 - (-2) = 2 */
    CHECK_HILO 0, 2
    SET_HILO 0, 0
    li $t0, 1
    msub $t0, $t0               /* 0 - 1 = -1 */
    CHECK_HILO 0xffffffff, 0xffffffff
    SET_HILO 0, 10
    li $t0, -3
    li $t1, -3
    msub $t0, $t1               /* 10 - 9 = 1 */
    CHECK_HILO 0, 1
    SET_HILO 0x80000000, 0
    li $t0, 1
    msub $t0, $t0               /* 64-bit wrap: -2^63 - 1 = 0x7fffffffffffffff */
    CHECK_HILO 0x7fffffff, 0xffffffff
UTEST_END

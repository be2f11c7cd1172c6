/* MSUBU: (HI,LO) <- (HI,LO) - GPR[rs]*GPR[rt], unsigned 64-bit, mod 2^64 (Vol. II, MSUBU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    SET_HILO 0, 0
    li $t0, 1
    msubu $t0, $t0
    CHECK_HILO 0xffffffff, 0xffffffff
    SET_HILO 0, 0
    li $t0, 0xffffffff
    li $t1, 2
    msubu $t0, $t1              /* 0 - 0x1fffffffe = 0xfffffffe00000002 (no sign extension) */
    CHECK_HILO 0xfffffffe, 2
    SET_HILO 1, 0
    li $t0, 1
    msubu $t0, $t0              /* borrow from HI */
    CHECK_HILO 0, 0xffffffff
    SET_HILO 0xfffffffe, 1
    li $t0, 0xffffffff
    msubu $t0, $t0              /* x - x = 0 */
    CHECK_HILO 0, 0
UTEST_END

/* MADDU: (HI,LO) <- (HI,LO) + GPR[rs]*GPR[rt], unsigned 64-bit, wraps mod 2^64 (Vol. II, MADDU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 13
    SET_HILO 0, 0
    li $t0, 0xffffffff
    maddu $t0, $t0              /* (2^32-1)^2 = 0xfffffffe00000001 */
    CHECK_HILO 0xfffffffe, 1
    maddu $t0, $t0              /* doubled, mod 2^64 = 0xfffffffc00000002 */
    CHECK_HILO 0xfffffffc, 2
    SET_HILO 0, 0xffffffff
    li $t0, 1
    maddu $t0, $t0              /* carry from LO into HI */
    CHECK_HILO 1, 0
    SET_HILO 0xffffffff, 0xffffffff
    maddu $t0, $t0              /* wraps to zero */
    CHECK_HILO 0, 0
    SET_HILO 0x12345678, 0x9abcdef0
    li $t0, 0x80000000
    li $t1, 2
    maddu $t0, $t1              /* + 2^32: only HI changes */
    CHECK_HILO 0x12345679, 0x9abcdef0
    SET_HILO 0, 0x80000000
    li $t0, 0xffffffff
    li $t1, 1
    maddu $t0, $t1              /* 0x80000000 + 0xffffffff = 0x17fffffff (unsigned: no sign extension) */
    CHECK_HILO 1, 0x7fffffff
UTEST_END

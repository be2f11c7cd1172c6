/* MADD: (HI,LO) <- (HI,LO) + GPR[rs]*GPR[rt], signed 64-bit; carries propagate from LO into HI (Vol. II, MADD). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 13
    SET_HILO 0, 0xffffffff
    li $t0, 1
    madd $t0, $t0               /* 0x00000000ffffffff + 1 = 0x0000000100000000 */
    CHECK_HILO 1, 0
    SET_HILO 0, 5
    li $t0, -1
    li $t1, 3
    madd $t0, $t1               /* 5 + (-3) = 2: the negative product is sign-extended to 64 bits */
    CHECK_HILO 0, 2
    SET_HILO 0, 1
    li $t1, 2
    madd $t0, $t1               /* 1 + (-2) = -1 */
    CHECK_HILO 0xffffffff, 0xffffffff
    SET_HILO 0, 0
    li $t0, 0xffffffff
    madd $t0, $t0               /* signed: (-1)*(-1) = 1 */
    madd $t0, $t0
    CHECK_HILO 0, 2
    SET_HILO 0x7fffffff, 0xffffffff
    li $t0, 1
    madd $t0, $t0               /* 64-bit wrap: 2^63-1 + 1 = 0x8000000000000000 */
    CHECK_HILO 0x80000000, 0
    SET_HILO 0x00000010, 0x80000000
    li $t0, 0x40000000
    li $t1, 4
    madd $t0, $t1               /* + 2^32 */
    CHECK_HILO 0x00000011, 0x80000000
UTEST_END

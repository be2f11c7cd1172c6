/* MULT: (HI,LO) <- GPR[rs] * GPR[rt], full signed 64-bit product (Vol. II, MULT). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 17
    li $t0, -1
    mult $t0, $t0               /* -1 * -1 = 1 */
    CHECK_HILO 0, 1
    li $t0, -3
    li $t1, 5
    mult $t0, $t1               /* -15: HI is all sign bits */
    CHECK_HILO 0xffffffff, 0xfffffff1
    li $t0, 0x80000000
    mult $t0, $t0               /* (-2^31)^2 = 2^62 */
    CHECK_HILO 0x40000000, 0
    li $t1, -1
    mult $t0, $t1               /* -2^31 * -1 = +2^31: fits in 64 bits, HI = 0 */
    CHECK_HILO 0, 0x80000000
    li $t0, 0x7fffffff
    mult $t0, $t0               /* (2^31-1)^2 = 2^62 - 2^32 + 1 */
    CHECK_HILO 0x3fffffff, 1
    li $t0, 0x12345678
    li $t1, 0x87654321
    mult $t0, $t1               /* positive * negative; HI = multu HI - 0x12345678 */
    CHECK_HILO 0xf76c768d, 0x70b88d78
    li $t0, 0xdeadbeef
    li $t1, 0xcafebabe
    mult $t0, $t1               /* negative * negative */
    CHECK_HILO 0x06e631ce, 0x88cf5b62
    mult $t0, $zero
    CHECK_HILO 0, 0
UTEST_END

/* DIV: LO <- quotient rounded toward zero, HI <- remainder with the sign of the dividend (Vol. II, DIV). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 19
    li $t0, 7
    li $t1, 2
    div $zero, $t0, $t1         /* 7/2 = 3 r 1 */
    CHECK_HILO 1, 3
    li $t0, -7
    div $zero, $t0, $t1         /* -7/2 = -3 r -1 (not -4 r 1) */
    CHECK_HILO 0xffffffff, 0xfffffffd
    li $t0, 7
    li $t1, -2
    div $zero, $t0, $t1         /* 7/-2 = -3 r 1 */
    CHECK_HILO 1, 0xfffffffd
    li $t0, -7
    div $zero, $t0, $t1         /* -7/-2 = 3 r -1 */
    CHECK_HILO 0xffffffff, 3
    li $t0, 0x80000000
    li $t1, 2
    div $zero, $t0, $t1         /* -2^31/2 = -2^30 r 0 */
    CHECK_HILO 0, 0xc0000000
    li $t1, 0x7fffffff
    div $zero, $t0, $t1         /* -2^31/(2^31-1) = -1 r -1 */
    CHECK_HILO 0xffffffff, 0xffffffff
    li $t0, 7
    li $t1, -1
    div $zero, $t0, $t1
    CHECK_HILO 0, 0xfffffff9
    li $t0, -5
    li $t1, 7
    div $zero, $t0, $t1         /* |dividend| < |divisor|: quotient 0, remainder = dividend */
    CHECK_HILO 0xfffffffb, 0
    li $t0, 1000000
    li $t1, -37
    div $zero, $t0, $t1         /* 1000000 = -27027 * -37 + 1 */
    CHECK_HILO 1, 0xffff966d
UTEST_END

/* SLTI: GPR[rt] <- (GPR[rs] < sign_extend(immediate)) signed (Vol. II, SLTI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, -1
    slti $t2, $t0, 0
    CHECK_EQ $t2, 1
    slti $t2, $zero, -1         /* 0 < -1 false */
    CHECK_EQ $t2, 0
    li $t0, 0x80000000
    slti $t2, $t0, -32768       /* -2^31 < -32768 */
    CHECK_EQ $t2, 1
    li $t0, 0xffff8000
    slti $t2, $t0, -32768       /* equal */
    CHECK_EQ $t2, 0
    li $t0, 0x7fff
    slti $t2, $t0, 0x7fff
    CHECK_EQ $t2, 0
    li $t0, 0x7ffe
    slti $t2, $t0, 0x7fff
    CHECK_EQ $t2, 1
    li $t0, 0x7fffffff
    slti $t2, $t0, -1
    CHECK_EQ $t2, 0
    li $t0, 0x00010000          /* 65536 is not < 32767 (no truncation of rs) */
    slti $t2, $t0, 32767
    CHECK_EQ $t2, 0
UTEST_END

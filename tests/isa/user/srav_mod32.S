/* SRAV: shift amount = GPR[rs] bits 4..0; arithmetic right shift of GPR[rt] (Vol. II, SRAV). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x87654321
    li $t1, 4
    srav $t2, $t0, $t1
    CHECK_EQ $t2, 0xf8765432
    li $t1, 32                  /* 0: unchanged */
    srav $t2, $t0, $t1
    CHECK_EQ $t2, 0x87654321
    li $t1, 63                  /* 31: all sign bits */
    srav $t2, $t0, $t1
    CHECK_EQ $t2, 0xffffffff
    li $t1, 0xfffffff0          /* 16 */
    srav $t2, $t0, $t1
    CHECK_EQ $t2, 0xffff8765
    li $t0, 0x76543210          /* positive: zero fill */
    li $t1, 36                  /* 4 */
    srav $t2, $t0, $t1
    CHECK_EQ $t2, 0x07654321
UTEST_END

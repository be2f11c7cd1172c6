/* ADDIU: GPR[rt] <- GPR[rs] + sign_extend(immediate), modular, no trap (Vol. II, ADDIU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    addiu $t1, $zero, 0x7fff
    CHECK_EQ $t1, 0x00007fff
    addiu $t1, $zero, -32768    /* bit 15 set: the upper half becomes ones */
    CHECK_EQ $t1, 0xffff8000
    li $t0, 0x10000
    addiu $t1, $t0, -1          /* borrow into the upper half */
    CHECK_EQ $t1, 0x0000ffff
    li $t0, 0xffffffff
    addiu $t1, $t0, 1           /* wraps to zero */
    CHECK_EQ $t1, 0
    li $t0, 0x7fffffff
    addiu $t1, $t0, 1           /* signed overflow, no trap for ADDIU */
    CHECK_EQ $t1, 0x80000000
    li $t0, 0x80000000
    addiu $t1, $t0, -1
    CHECK_EQ $t1, 0x7fffffff
    li $t0, 0x1234ffff
    addiu $t0, $t0, 0x0001      /* rt == rs, carry into bit 16 */
    CHECK_EQ $t0, 0x12350000
UTEST_END

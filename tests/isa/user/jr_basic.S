/* JR: PC <- GPR[rs] after the delay slot (Vol. II, JR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 3
    li $t2, 0
    la $t0, 1f
    jr $t0
    addiu $t2, $t2, 1           /* delay slot executed */
    FAIL
1:  CHECK_EQ $t2, 1
    la $t0, 2f
    la $t1, 3f
    jr $t1                      /* forward, then back with another jr */
    nop
2:  addiu $t2, $t2, 10
    b 4f
    nop
3:  jr $t0
    addiu $t2, $t2, 100
4:  CHECK_EQ $t2, 111
UTEST_END

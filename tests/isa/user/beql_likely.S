/* BEQL: taken -> delay slot executed; not taken -> delay slot nullified, continue at PC+8 (Vol. II, BEQL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    li $t0, 3
    li $t1, 3
    li $t2, 0
    beql $t0, $t1, 1f
    addiu $t2, $t2, 1           /* executed (taken) */
    addiu $t2, $t2, 100
1:  CHECK_EQ $t2, 1
    li $t1, 4
    li $t2, 0
    beql $t0, $t1, 2f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10          /* PC+8: executed */
2:  CHECK_EQ $t2, 10
    li $t2, 0
    beql $zero, $zero, 3f
    addiu $t2, $t2, 5
    nop
3:  CHECK_EQ $t2, 5
UTEST_END

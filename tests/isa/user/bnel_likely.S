/* BNEL: taken -> delay slot executed; not taken -> delay slot nullified (Vol. II, BNEL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    li $t0, 3
    li $t1, 4
    li $t2, 0
    bnel $t0, $t1, 1f
    addiu $t2, $t2, 1
    addiu $t2, $t2, 100
1:  CHECK_EQ $t2, 1
    li $t2, 0
    bnel $t0, $t0, 2f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
2:  CHECK_EQ $t2, 10
    li $t2, 0                   /* a countdown loop closed by a likely branch */
    li $t0, 5
3:  addiu $t0, $t0, -1
    bnel $t0, $zero, 3b
    addiu $t2, $t2, 1           /* runs only on the 4 taken iterations */
    CHECK_EQ $t2, 4
UTEST_END

/* BLTZAL: GPR[31] <- PC+8 whether or not the branch is taken (Vol. II, BLTZAL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    move $s7, $ra
    li $t0, -1
    li $t2, 0
    bltzal $t0, 1f              /* taken */
    nop
.Lret1:
    li $t2, 1
1:  CHECK_EQ $t2, 0
    la $t1, .Lret1
    CHECK_REG $ra, $t1
    li $t0, 0
    li $ra, 0
    bltzal $t0, 2f              /* not taken: still links */
    nop
.Lret2:
    la $t1, .Lret2
    CHECK_REG $ra, $t1
    b 3f
    nop
2:  FAIL
3:  li $t0, 0x80000000
    li $t3, 0
    bltzal $t0, sub_inc         /* a call: returns to PC+8 */
    nop
    addiu $t3, $t3, 10
    CHECK_EQ $t3, 11
    move $ra, $s7
UTEST_END

sub_inc:
    jr $ra
    addiu $t3, $t3, 1

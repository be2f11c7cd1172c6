/* BGEZAL/BAL: GPR[31] <- PC+8 whether or not taken (Vol. II, BGEZAL; BAL = BGEZAL $0). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    move $s7, $ra
    li $t2, 0
    bgezal $zero, 1f            /* 0 >= 0: taken */
    nop
.Lret1:
    li $t2, 1
1:  CHECK_EQ $t2, 0
    la $t1, .Lret1
    CHECK_REG $ra, $t1
    li $t0, -5
    li $ra, 0
    bgezal $t0, 2f              /* not taken: still links */
    nop
.Lret2:
    la $t1, .Lret2
    CHECK_REG $ra, $t1
    b 3f
    nop
2:  FAIL
3:  li $t3, 0
    bal sub_inc
    addiu $t3, $t3, 100         /* delay slot runs before the callee */
    addiu $t3, $t3, 10          /* the return point */
    CHECK_EQ $t3, 111
    li $t0, 0x7fffffff
    bgezal $t0, sub_inc
    nop
    CHECK_EQ $t3, 112
    move $ra, $s7
UTEST_END

sub_inc:
    slti $t4, $t3, 100          /* the slot's +100 happened before the first call */
    beqz $t4, 1f
    nop
    FAIL
1:  jr $ra
    addiu $t3, $t3, 1

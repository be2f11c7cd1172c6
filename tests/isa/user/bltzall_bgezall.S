/* BLTZALL/BGEZALL: GPR[31] <- PC+8 always; slot executed if taken, nullified if not (Vol. II, BLTZALL, BGEZALL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    move $s7, $ra
    li $t0, -1
    li $t2, 0
    bltzall $t0, 1f
    addiu $t2, $t2, 1
.Lr1:
    addiu $t2, $t2, 100
1:  CHECK_EQ $t2, 1
    la $t1, .Lr1
    CHECK_REG $ra, $t1
    li $t2, 0
    li $ra, 0
    bgezall $t0, 2f
    addiu $t2, $t2, 1           /* nullified */
.Lr2:
    addiu $t2, $t2, 10
2:  CHECK_EQ $t2, 10
    la $t1, .Lr2                /* linked even though not taken */
    CHECK_REG $ra, $t1
    li $t2, 0
    bgezall $zero, 3f
    addiu $t2, $t2, 1
.Lr3:
    addiu $t2, $t2, 100
3:  CHECK_EQ $t2, 1
    la $t1, .Lr3
    CHECK_REG $ra, $t1
    li $t2, 0
    li $ra, 0
    bltzall $zero, 4f
    addiu $t2, $t2, 1           /* nullified */
.Lr4:
    addiu $t2, $t2, 10
4:  CHECK_EQ $t2, 10
    la $t1, .Lr4
    CHECK_REG $ra, $t1
    move $ra, $s7
UTEST_END

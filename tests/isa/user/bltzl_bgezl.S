/* BLTZL/BGEZL: signed < 0 / >= 0; slot nullified when not taken (Vol. II, BLTZL, BGEZL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    li $t0, -1
    li $t2, 0
    bltzl $t0, 1f
    addiu $t2, $t2, 1
    addiu $t2, $t2, 100
1:  CHECK_EQ $t2, 1
    li $t2, 0
    bgezl $t0, 2f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
2:  CHECK_EQ $t2, 10
    li $t2, 0
    bgezl $zero, 3f
    addiu $t2, $t2, 1
    addiu $t2, $t2, 100
3:  CHECK_EQ $t2, 1
    li $t2, 0
    bltzl $zero, 4f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
4:  CHECK_EQ $t2, 10
UTEST_END

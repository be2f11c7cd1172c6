/* BLEZL/BGTZL: signed <= 0 / > 0; slot nullified when not taken (Vol. II, BLEZL, BGTZL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0
    li $t2, 0
    blezl $t0, 1f
    addiu $t2, $t2, 1
    addiu $t2, $t2, 100
1:  CHECK_EQ $t2, 1
    li $t0, 1
    li $t2, 0
    blezl $t0, 2f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
2:  CHECK_EQ $t2, 10
    li $t2, 0
    bgtzl $t0, 3f
    addiu $t2, $t2, 1
    addiu $t2, $t2, 100
3:  CHECK_EQ $t2, 1
    li $t0, 0x80000000
    li $t2, 0
    bgtzl $t0, 4f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
4:  CHECK_EQ $t2, 10
    li $t2, 0
    bgtzl $zero, 5f
    addiu $t2, $t2, 1           /* nullified */
    addiu $t2, $t2, 10
5:  CHECK_EQ $t2, 10
UTEST_END

/* Backward branches: the offset is sign-extended (Vol. II, BNE: target = PC+4 + sign_extend(offset||00)). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 10
    li $t1, 0
1:  addu $t1, $t1, $t0          /* sum 10+9+...+1 */
    addiu $t0, $t0, -1
    bnez $t0, 1b
    nop
    CHECK_EQ $t1, 55
    li $t0, 0
    li $t1, 0
2:  addiu $t0, $t0, 1           /* the increment lives in the delay slot */
    slti $t2, $t0, 100
    bnez $t2, 2b
    addiu $t1, $t1, 2
    CHECK_EQ $t0, 100
    CHECK_EQ $t1, 200
    li $t0, 7
    li $t1, 1
3:  sll $t1, $t1, 1             /* bgtz loop: 2^7 */
    addiu $t0, $t0, -1
    bgtz $t0, 3b
    nop
    CHECK_EQ $t1, 128
    li $t0, -3
4:  bltz $t0, 4b                /* a branch to itself, with its slot making progress */
    addiu $t0, $t0, 1
    CHECK_EQ $t0, 1
UTEST_END

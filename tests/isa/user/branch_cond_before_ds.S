/* The branch condition (and a JR target) is evaluated before the delay slot runs (Vol. II, BNE/JR operation: I vs I+1). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t2, 0
    li $t0, 1
    bnez $t0, 1f                /* taken: the slot's write comes too late */
    move $t0, $zero
    li $t2, 1
1:  CHECK_EQ $t2, 0
    CHECK_EQ $t0, 0
    li $t0, 1
    beqz $t0, 2f                /* not taken: t0 was 1 when the branch looked */
    move $t0, $zero
    b 3f
    nop
2:  li $t2, 2
3:  CHECK_EQ $t2, 0
    li $t0, 5
    li $t1, 5
    beq $t0, $t1, 4f            /* taken though the slot makes them differ */
    addiu $t1, $t1, 1
    li $t2, 3
4:  CHECK_EQ $t2, 0
    CHECK_EQ $t1, 6
    li $t0, -1
    bltz $t0, 5f
    li $t0, 1
    li $t2, 4
5:  CHECK_EQ $t2, 0
    la $t0, 6f
    la $t1, 7f
    jr $t0                      /* goes to 6f even though the slot changes t0 */
    move $t0, $t1
    li $t2, 5
7:  li $t2, 6
6:  CHECK_EQ $t2, 0
UTEST_END

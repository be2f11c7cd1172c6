/* A delay slot that overwrites its branch's operand, the operands loaded from memory so that no
 * translator can fold them: the branch decides on the values before the slot (Vol. II, "Branch delay
 * slot"), also right after an slt/sltu/slti whose result the branch tests and which overwrote one of
 * its own sources, on both edges, in the middle of a block and on a loop's back edge, and a load in the slot. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 19
    la $s0, vals
    lw $s1, 0($s0)              /* 1 */
    lw $s2, 4($s0)              /* 2 */
    lw $s3, 8($s0)              /* -3 */
    lw $s4, 12($s0)             /* 0x80000000 */
    move $t0, $s1
    li $t2, 0
    bne $t0, $s2, 1f            /* taken: 1 != 2 before the slot */
    move $t0, $s2
    li $t2, 1
1:  CHECK_EQ $t2, 0
    CHECK_EQ $t0, 2
    move $t0, $s1
    beq $t0, $s2, 2f            /* not taken, though the slot makes them equal */
    move $t0, $s2
    li $t2, 2
2:  CHECK_EQ $t2, 2
    move $a1, $s4
    move $t1, $s1
    sltu $a1, $t1, $a1          /* 1 < 0x80000000 unsigned: 1, over its own source */
    beqz $a1, 3f                /* not taken */
    move $a1, $s3
    li $t2, 3
3:  CHECK_EQ $t2, 3
    CHECK_EQ $a1, -3
    move $a1, $s4
    slt $a1, $t1, $a1           /* 1 < -2^31 signed: 0 */
    beqz $a1, 4f                /* taken */
    move $a1, $s2
    li $t2, 4
4:  CHECK_EQ $t2, 3
    CHECK_EQ $a1, 2
    move $t3, $s3
    slti $t3, $t3, -2           /* -3 < -2: 1 */
    bnez $t3, 5f                /* taken */
    move $t3, $zero
    li $t2, 5
5:  CHECK_EQ $t2, 3
    sltiu $t3, $s3, 7           /* 0xfffffffd < 7 unsigned: 0, its source kept */
    bnez $t3, 6f                /* not taken */
    move $t3, $s1
    li $t2, 6
6:  CHECK_EQ $t2, 6
    CHECK_EQ $t3, 1
    move $t0, $s3
    bgtz $t0, 7f                /* not taken: -3 */
    move $t0, $s1
    li $t2, 7
7:  CHECK_EQ $t2, 7
    move $t0, $s3
    bltz $t0, 8f                /* taken: -3 */
    move $t0, $s2
    li $t2, 8
8:  CHECK_EQ $t2, 7
    lw $t0, 20($s0)             /* 5 */
    li $t4, 0
9:  addiu $t4, $t4, 3
    bnez $t0, 9b                /* the back edge tests what its slot counts down: t0 = 5..0 */
    addiu $t0, $t0, -1
    CHECK_EQ $t4, 18
    CHECK_EQ $t0, -1
    move $t0, $s1
    bnez $t0, 10f               /* taken: the slot's load (not plain) comes too late */
    lw $t0, 8($s0)
    li $t2, 10
10: CHECK_EQ $t2, 7
    CHECK_EQ $t0, -3
    lw $t0, 24($s0)             /* 0 */
    bnez $t0, 11f               /* not taken: 0 before the slot's load */
    lw $t0, 0($s0)
    li $t2, 11
11: CHECK_EQ $t2, 11
    CHECK_EQ $t0, 1
UTEST_END
    .data
    .align 2
vals: .word 1, 2, -3, 0x80000000, 0x7fffffff, 5, 0

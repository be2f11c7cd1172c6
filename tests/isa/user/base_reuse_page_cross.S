/* Accesses off one unchanged base register, near offsets, that land on two pages (a base 4 below a page
 * boundary): each access reaches its own page's word, loads and stores, after a branch the block goes on
 * past, and after an lwl in between (Vol. II LW, SW, LH, SB: address = GPR[base] + offset). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 15
    la $s0, page1
    addiu $s1, $s0, -4          /* the last word of page0; 4($s1) is page1's first */
    la $s2, page0               /* a base of its own for the checks */
    li $s3, 3                   /* three rounds: the first touches, the others find the pages */
1:  li $t0, 0x11111111
    li $t1, 0x22222222
    sw $t0, 0($s1)
    sw $t1, 4($s1)              /* the next page off the same base */
    lw $t2, 4($s1)
    lw $t3, 0($s1)
    lh $t4, 6($s1)
    sb $t0, 5($s1)
    lbu $t5, 5($s1)
    lw $t6, -4092($s1)          /* page0's first word, far below */
    addiu $s3, $s3, -1
    bnez $s3, 1b
    nop
    CHECK_EQ $t2, 0x22222222
    CHECK_EQ $t3, 0x11111111
    CHECK_EQ $t4, 0x2222
    CHECK_EQ $t5, 0x11
    CHECK_EQ $t6, 0x5a5a5a5a
    CHECK_MEMW $s2, 4092, 0x11111111
    CHECK_MEMW $s0, 0, 0x22221122
    li $t0, 0x33333333
    lw $t2, 0($s1)
    beqz $t0, 2f                /* not taken: the block goes on */
    nop
    sw $t0, 4($s1)              /* after the branch, the other page */
    lw $t3, 4($s1)
    CHECK_EQ $t2, 0x11111111
    CHECK_EQ $t3, 0x33333333
    li $t1, 0x44444444
    sw $t1, 0($s1)
    lwl $t7, 7($s1)             /* page1's first word through a partial load between */
    sw $t1, 4($s1)
    lw $t4, 0($s1)
    CHECK_EQ $t7, 0x33333333
    CHECK_EQ $t4, 0x44444444
    CHECK_MEMW $s0, 0, 0x44444444
2:  lw $t5, 4($s1)
    CHECK_EQ $t5, 0x44444444
    CHECK_MEMW $s2, 0, 0x5a5a5a5a
UTEST_END
    .data
    .align 12
page0: .word 0x5a5a5a5a
    .space 4092
page1: .word 0
    .space 4092

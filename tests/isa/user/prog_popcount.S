/* Program: population count three ways (bit loop with ANDI/SRL; Kernighan x &= x-1; SWAR adds + MUL by 0x01010101)
 * over a table; expected counts by hand (0x12345678 -> 1+1+2+1+2+2+3+1 = 13, 0xdeadbeef -> 24). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6 * 3 + 1                /* 6 inputs x 3 methods, UTEST_END */
    la $s0, inputs
    la $s1, expect
    li $s2, 6
loop:
    lw $a0, 0($s0)
    lw $s3, 0($s1)
    /* method 1: test every bit */
    move $t0, $a0
    move $v0, $zero
1:  andi $t1, $t0, 1
    addu $v0, $v0, $t1
    srl $t0, $t0, 1
    bnez $t0, 1b
    nop
    CHECK_REG $v0, $s3
    /* method 2: clear the lowest set bit */
    move $t0, $a0
    move $v1, $zero
2:  beqz $t0, 3f
    addiu $t1, $t0, -1
    and $t0, $t0, $t1
    b 2b
    addiu $v1, $v1, 1
3:  CHECK_REG $v1, $s3
    /* method 3: SWAR */
    srl $t0, $a0, 1
    li $t1, 0x55555555
    and $t0, $t0, $t1
    subu $t0, $a0, $t0          /* 2-bit counts */
    li $t1, 0x33333333
    and $t2, $t0, $t1
    srl $t0, $t0, 2
    and $t0, $t0, $t1
    addu $t0, $t0, $t2          /* 4-bit counts */
    srl $t2, $t0, 4
    addu $t0, $t0, $t2
    li $t1, 0x0f0f0f0f
    and $t0, $t0, $t1           /* byte counts */
    li $t1, 0x01010101
    mul $t0, $t0, $t1
    srl $t0, $t0, 24            /* sum of the bytes in the top byte */
    CHECK_REG $t0, $s3
    addiu $s0, $s0, 4
    addiu $s2, $s2, -1
    bnez $s2, loop
    addiu $s1, $s1, 4
UTEST_END
    .data
    .align 2
inputs: .word 0, 0xffffffff, 0x80000001, 0x12345678, 0xdeadbeef, 0x00010000
expect: .word 0, 32, 2, 13, 24, 1

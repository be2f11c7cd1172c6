/* Program: 32-bit bit reversal two ways: a 32-step SRL/ANDI/SLL loop, and mask-and-swap of bits, pairs, nibbles
 * followed by WSBH + ROTR 16 for the bytes. Expected by hand: rev(1) = 0x80000000, rev(0x12345678) = 0x1E6A2C48
 * (nibbles reversed in order, each nibble's bits reversed), rev(0x0000ffff) = 0xffff0000. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4 * 2 + 1                /* 4 inputs x 2 methods, UTEST_END */
    move $s7, $ra
    la $s0, inputs
    la $s1, expect
    li $s2, 4
1:  lw $a0, 0($s0)
    lw $s3, 0($s1)
    jal rev_loop
    nop
    CHECK_REG $v0, $s3
    jal rev_swap
    nop
    CHECK_REG $v0, $s3
    addiu $s0, $s0, 4
    addiu $s2, $s2, -1
    bnez $s2, 1b
    addiu $s1, $s1, 4
    move $ra, $s7
UTEST_END

rev_loop:
    move $v0, $zero
    move $t0, $a0
    li $t1, 32
1:  andi $t2, $t0, 1
    sll $v0, $v0, 1
    or $v0, $v0, $t2
    addiu $t1, $t1, -1
    bnez $t1, 1b
    srl $t0, $t0, 1
    jr $ra
    nop

    /* v = ((v >> s) & m) | ((v & m) << s) */
    .macro SWAPBITS s, m
    li $t3, \m
    srl $t1, $v0, \s
    and $t1, $t1, $t3
    and $t2, $v0, $t3
    sll $t2, $t2, \s
    or $v0, $t1, $t2
    .endm
rev_swap:
    move $v0, $a0
    SWAPBITS 1, 0x55555555
    SWAPBITS 2, 0x33333333
    SWAPBITS 4, 0x0f0f0f0f
    wsbh $v0, $v0
    jr $ra
    rotr $v0, $v0, 16

    .data
    .align 2
inputs: .word 1, 0x12345678, 0x0000ffff, 0xdeadbeef
expect: .word 0x80000000, 0x1e6a2c48, 0xffff0000, 0xf77db57b

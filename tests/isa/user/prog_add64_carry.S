/* Program: 64-bit add/subtract on 32-bit registers, carry = SLTU(sum_lo, a_lo), borrow = SLTU(a_lo, b_lo) (Vol. II, SLTU, ADDU, SUBU). */
#include "isa.h"
#include "user_util.h"
    /* (rh,rl) = (ah,al) + (bh,bl); rl != al */
    .macro ADD64 rh, rl, ah, al, bh, bl
    addu \rl, \al, \bl
    sltu $t8, \rl, \al
    addu \rh, \ah, \bh
    addu \rh, \rh, $t8
    .endm
    .macro SUB64 rh, rl, ah, al, bh, bl
    sltu $t8, \al, \bl
    subu \rl, \al, \bl
    subu \rh, \ah, \bh
    subu \rh, \rh, $t8
    .endm
TEST_BEGIN 13
    li $t0, 0x00000001
    li $t1, 0xffffffff
    li $t2, 0
    li $t3, 1
    ADD64 $t4, $t5, $t0, $t1, $t2, $t3      /* 0x1ffffffff + 1 = 0x200000000 */
    CHECK_EQ $t4, 2
    CHECK_EQ $t5, 0
    li $t0, 0xffffffff
    ADD64 $t4, $t5, $t0, $t1, $t2, $t3      /* 2^64-1 + 1 wraps to 0 */
    CHECK_EQ $t4, 0
    CHECK_EQ $t5, 0
    li $t0, 0x12345678
    li $t1, 0x9abcdef0
    li $t2, 0x0fedcba9
    li $t3, 0x87654321
    ADD64 $t4, $t5, $t0, $t1, $t2, $t3      /* lo: 0x9abcdef0+0x87654321 = 0x1_22222211 */
    CHECK_EQ $t4, 0x22222222
    CHECK_EQ $t5, 0x22222211
    li $t0, 1
    li $t1, 0
    li $t2, 0
    li $t3, 1
    SUB64 $t4, $t5, $t0, $t1, $t2, $t3      /* 0x100000000 - 1 */
    CHECK_EQ $t4, 0
    CHECK_EQ $t5, 0xffffffff
    SUB64 $t4, $t5, $zero, $zero, $t2, $t3  /* 0 - 1 = -1 */
    CHECK_EQ $t4, 0xffffffff
    CHECK_EQ $t5, 0xffffffff
    la $s0, nums                /* sum of 4 64-bit values in memory (low word first) */
    li $s1, 4
    move $t4, $zero
    move $t5, $zero
1:  lw $t1, 0($s0)
    lw $t0, 4($s0)
    ADD64 $t4, $t5, $t0, $t1, $t4, $t5     /* rl must differ from al (carry compares against al) */
    addiu $s1, $s1, -1
    bnez $s1, 1b
    addiu $s0, $s0, 8
    CHECK_EQ $t4, 0x00000003    /* 3 * 0xffffffff + 0x3 = 0x2_fffffffd + 3 = 0x3_00000000 */
    CHECK_EQ $t5, 0
UTEST_END
    .data
    .align 3
nums: .word 0xffffffff, 0, 0xffffffff, 0, 0xffffffff, 0, 3, 0

/*
 * Small floating-point programs: loops of loads, arithmetic, conversions, compares and
 * branches, the way compiled C uses the FPU. Expected values: the same computations in IEEE
 * binary64 (and binary32, each operation rounded) done independently, operation by
 * operation in the same order (a correctly rounded binary64 result rounded again to binary32
 * equals the binary32 result for + - * /, so both formats are exact to reproduce).
 *  1. Horner's rule for a degree-5 polynomial at 1.1 (double), with mul+add and with madd,
 *     which must agree (unfused madd rounds the product);
 *  2. a dot product of 8 singles;  3. Newton's iteration for sqrt(10), 8 steps (double);
 *  4. the harmonic sum 1/1 + ... + 1/100 in single (cvt.s.w, div.s, add.s);
 *  5. a 3x3 double matrix product;  6. round.w.d of a table, summed as integers;
 *  7. the maximum of an array with c.lt.d and movt.d.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"

    .data
    .align 3
coef: .word 0x00000000, 0x3FF80000, 0x00000000, 0xC0020000, 0x00000000, 0x3FC00000, 0x00000000, 0x40080000, 0x00000000, 0xBFE00000, 0x00000000, 0x3FB00000
va: .word 0x3F000000, 0x3FA00000, 0xC0400000, 0x40000000, 0x3DCCCCCD, 0x40F00000, 0xBF400000, 0x40800000
vb: .word 0x40000000, 0xBFC00000, 0x3E99999A, 0x41000000, 0xC0200000, 0x3C23D70A, 0x3F800000, 0x3E000000
ma: .word 0x00000000, 0x3FF80000, 0x00000000, 0x40000000, 0x00000000, 0xBFF00000, 0x00000000, 0x3FE00000, 0x00000000, 0x3FD00000, 0x00000000, 0x40100000, 0x00000000, 0x40080000, 0x00000000, 0xC0000000, 0x9999999A, 0x3FB99999
mb: .word 0x00000000, 0x40000000, 0x33333333, 0x3FD33333, 0x00000000, 0x3FF00000, 0x00000000, 0xBFF00000, 0x00000000, 0x40140000, 0x00000000, 0x3FE00000, 0x9999999A, 0x3FC99999, 0x00000000, 0x3FF00000, 0x00000000, 0xC0080000
mc: .space 72
rv: .word 0x00000000, 0x40040000, 0x00000000, 0x400C0000, 0x00000000, 0xC0040000, 0x00000000, 0x412E8481, 0x8F5C28F6, 0xC01DF5C2, 0x00000000, 0x3FE00000, 0x1A9FBE77, 0x405EDD2F
arr: .word 0x00000000, 0x400A0000, 0x00000000, 0xBFF00000, 0x00000000, 0x40318000, 0x00000000, 0x40000000, 0x00000000, 0x40314000, 0x00000000, 0xC03E0000, 0x00000000, 0x40220000, 0x00000000, 0x3FE00000

    .text
TEST_BEGIN 30
    SET_FCSR 0
    /* 1. Horner: acc = c5; acc = acc * x + c[i], i = 4..0 */
    la $s0, coef
    LI_D $f2, 0x3FF19999, 0x9999999A        /* x = 1.1 */
    ldc1 $f0, 40($s0)
    li $s1, 4
1:  sll $t0, $s1, 3
    addu $t0, $s0, $t0
    ldc1 $f4, 0($t0)
    mul.d $f0, $f0, $f2
    add.d $f0, $f0, $f4
    addiu $s1, $s1, -1
    bgez $s1, 1b
    nop
    CHECK_D $f0, 0x40044D87, 0xE7C06E1B
    ldc1 $f6, 40($s0)
    li $s1, 4
2:  sll $t0, $s1, 3
    addu $t0, $s0, $t0
    ldc1 $f4, 0($t0)
    madd.d $f6, $f4, $f6, $f2
    addiu $s1, $s1, -1
    bgez $s1, 2b
    nop
    CHECK_D $f6, 0x40044D87, 0xE7C06E1B

    /* 2. dot product of va and vb (single) */
    la $s0, va
    la $s1, vb
    mtc1 $zero, $f8
    li $s2, 8
3:  lwc1 $f10, 0($s0)
    lwc1 $f12, 0($s1)
    mul.s $f10, $f10, $f12
    add.s $f8, $f8, $f10
    addiu $s0, $s0, 4
    addiu $s2, $s2, -1
    bnez $s2, 3b
    addiu $s1, $s1, 4
    CHECK_S $f8, 0x415CCCCD

    /* 3. Newton: x = 0.5 * (x + 10 / x), from x = 10 */
    LI_D $f14, 0x40240000, 0x00000000       /* 10 */
    LI_D $f16, 0x3FE00000, 0x00000000       /* 0.5 */
    mov.d $f18, $f14
    li $s2, 8
4:  div.d $f20, $f14, $f18
    add.d $f20, $f18, $f20
    mul.d $f18, $f20, $f16
    addiu $s2, $s2, -1
    bnez $s2, 4b
    nop
    CHECK_D $f18, 0x40094C58, 0x3ADA5B52

    /* 4. harmonic sum in single */
    mtc1 $zero, $f22
    LI_S $f24, 0x3F800000
    li $s2, 1
5:  mtc1 $s2, $f26
    cvt.s.w $f26, $f26
    div.s $f26, $f24, $f26
    add.s $f22, $f22, $f26
    addiu $s2, $s2, 1
    slti $t0, $s2, 101
    bnez $t0, 5b
    nop
    CHECK_S $f22, 0x40A5FF00

    /* 5. C = A * B, 3x3 doubles, row major */
    la $s0, ma
    la $s1, mb
    la $s2, mc
    li $s3, 0               /* i */
6:  li $s4, 0               /* j */
7:  mtc1 $zero, $f0
    mthc1 $zero, $f0
    li $s5, 0               /* k */
8:  li $t0, 24
    mul $t1, $s3, $t0
    sll $t2, $s5, 3
    addu $t1, $t1, $t2
    addu $t1, $s0, $t1
    ldc1 $f2, 0($t1)        /* A[i][k] */
    mul $t1, $s5, $t0
    sll $t2, $s4, 3
    addu $t1, $t1, $t2
    addu $t1, $s1, $t1
    ldc1 $f4, 0($t1)        /* B[k][j] */
    mul.d $f2, $f2, $f4
    add.d $f0, $f0, $f2
    addiu $s5, $s5, 1
    slti $t2, $s5, 3
    bnez $t2, 8b
    nop
    mul $t1, $s3, $t0
    sll $t2, $s4, 3
    addu $t1, $t1, $t2
    addu $t1, $s2, $t1
    sdc1 $f0, 0($t1)
    addiu $s4, $s4, 1
    slti $t2, $s4, 3
    bnez $t2, 7b
    nop
    addiu $s3, $s3, 1
    slti $t2, $s3, 3
    bnez $t2, 6b
    nop
    ldc1 $f0, 0($s2)
    CHECK_D $f0, 0x3FE99999, 0x9999999A /* C[0][0] */
    ldc1 $f0, 8($s2)
    CHECK_D $f0, 0x4022E666, 0x66666666 /* C[0][1] */
    ldc1 $f0, 16($s2)
    CHECK_D $f0, 0x40160000, 0x00000000 /* C[0][2] */
    ldc1 $f0, 24($s2)
    CHECK_D $f0, 0x3FF8CCCC, 0xCCCCCCCD /* C[1][0] */
    ldc1 $f0, 32($s2)
    CHECK_D $f0, 0x40159999, 0x9999999A /* C[1][1] */
    ldc1 $f0, 40($s2)
    CHECK_D $f0, 0xC026C000, 0x00000000 /* C[1][2] */
    ldc1 $f0, 48($s2)
    CHECK_D $f0, 0x40200A3D, 0x70A3D70A /* C[2][0] */
    ldc1 $f0, 56($s2)
    CHECK_D $f0, 0xC0220000, 0x00000000 /* C[2][1] */
    ldc1 $f0, 64($s2)
    CHECK_D $f0, 0x3FFB3333, 0x33333333 /* C[2][2] */

    /* 6. sum of round.w.d over rv */
    la $s0, rv
    li $s1, 7
    li $s2, 0
9:  ldc1 $f2, 0($s0)
    round.w.d $f4, $f2
    mfc1 $t0, $f4
    addu $s2, $s2, $t0
    addiu $s1, $s1, -1
    bnez $s1, 9b
    addiu $s0, $s0, 8
    CHECK_EQ $s2, 0x000F42B8

    /* 7. max(arr) with c.lt.d / movt.d */
    la $s0, arr
    ldc1 $f0, 0($s0)
    li $s1, 7
10: addiu $s0, $s0, 8
    ldc1 $f2, 0($s0)
    c.lt.d $fcc1, $f0, $f2
    movt.d $f0, $f2, $fcc1
    addiu $s1, $s1, -1
    bnez $s1, 10b
    nop
    CHECK_D $f0, 0x40318000, 0x00000000
    SET_FCSR 0
UTEST_END_J

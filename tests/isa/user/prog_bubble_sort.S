/* Program: bubble sort of signed words (SLT decides, LW/SW swap), then a sortedness scan.
 * Expected order written by hand from the input: -2^31 < -100 < -1 < 0 < 3 < 7 < 42 < 1000 < 65536 < 2^31-1. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    la $s0, arr
    li $s1, 10                  /* n */
outer:
    addiu $s1, $s1, -1
    blez $s1, sorted
    move $t0, $s0               /* p */
    move $t1, $s1               /* inner count */
    move $s2, $zero             /* swaps this pass */
inner:
    lw $t2, 0($t0)
    lw $t3, 4($t0)
    slt $t4, $t3, $t2           /* out of order if a[i+1] < a[i] */
    beqz $t4, noswap
    nop
    sw $t3, 0($t0)
    sw $t2, 4($t0)
    addiu $s2, $s2, 1
noswap:
    addiu $t1, $t1, -1
    bnez $t1, inner
    addiu $t0, $t0, 4
    bnez $s2, outer             /* early exit when a pass made no swap */
    nop
sorted:
    CHECK_MEMW $s0, 0, 0x80000000
    CHECK_MEMW $s0, 4, -100
    CHECK_MEMW $s0, 8, -1
    CHECK_MEMW $s0, 12, 0
    CHECK_MEMW $s0, 16, 3
    CHECK_MEMW $s0, 20, 7
    CHECK_MEMW $s0, 24, 42
    CHECK_MEMW $s0, 28, 1000
    CHECK_MEMW $s0, 32, 65536
    CHECK_MEMW $s0, 36, 0x7fffffff
UTEST_END
    .data
    .align 2
arr: .word 42, -1, 0x7fffffff, 0, -100, 65536, 3, 0x80000000, 1000, 7

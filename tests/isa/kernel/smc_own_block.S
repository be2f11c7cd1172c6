/*
 * Self-modifying code inside one straight-line run: a store rewrites the
 * instruction right after it, and another a few instructions further on;
 * both rewritten instructions run in their new form (no caches: see
 * smc_rewrite_executed.S). A translator that translated the whole run as
 * one block must end it after the store. The sequence runs twice so the
 * second pass executes code that was translated after the first rewrite.
 */
#include "kernel_util.h"
TEST_BEGIN 2
    li $s2, 0
    li $s3, 0
1:  la $t0, 2f
    la $t2, 3f
    li $t1, 0x24020007              /* addiu $v0, $zero, 7 */
    li $t3, 0x24030009              /* addiu $v1, $zero, 9 */
    li $v0, 0
    li $v1, 0
    sw $t1, 0($t0)
2:  addiu $v0, $zero, 5             /* replaced by the store just before */
    sw $t3, 0($t2)
    addiu $a0, $v0, 1
    addiu $a1, $v0, 2
3:  addiu $v1, $zero, 3             /* replaced two instructions after the store */
    addu $s3, $s3, $v0
    addu $s3, $s3, $v1
    addiu $s2, $s2, 1
    li $t4, 2
    bne $s2, $t4, 1b
    nop
    CHECK_EQ $s3, 32                /* (7 + 9) twice */
    CHECK_EQ $a0, 8
TEST_END

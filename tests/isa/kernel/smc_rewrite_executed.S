/*
 * Self-modifying code: a plain store (no cache or synci) rewrites an
 * instruction that has already run, and the next execution runs the new
 * one. mvisor models no caches (its choice, devices/malta/README.md §2.3: the
 * I- and D-side are coherent, as under QEMU's TCG), so instruction fetch sees every
 * completed store. The function is called from one call site in a loop,
 * so a translator that chained the call or cached the return must notice;
 * the second rewrite goes through the kseg1 alias of the same word
 * (PRA 4.3: kseg0 and kseg1 map the same physical memory).
 */
#include "kernel_util.h"
TEST_BEGIN 1
    move $s7, $ra
    la $s0, smc_site                /* kseg0 address of the instruction to rewrite */
    li $t9, 0x20000000
    or $s1, $s0, $t9                /* its kseg1 alias */
    li $s2, 0                       /* iteration */
    li $s3, 0                       /* sum of results */
1:  li $t0, 2
    bne $s2, $t0, 2f
    nop
    li $t1, 0x2402000A              /* addiu $v0, $zero, 10 */
    sw $t1, 0($s0)
2:  li $t0, 4
    bne $s2, $t0, 3f
    nop
    li $t1, 0x24020064              /* addiu $v0, $zero, 100 */
    sw $t1, 0($s1)
3:  jal smc_fn
    nop
    addu $s3, $s3, $v0
    addiu $s2, $s2, 1
    li $t0, 6
    bne $s2, $t0, 1b
    nop
    CHECK_EQ $s3, 222               /* 1 + 1 + 10 + 10 + 100 + 100 */
    move $ra, $s7
TEST_END

    .text
    .align 4
smc_fn:
smc_site:
    addiu $v0, $zero, 1
    jr $ra
    nop

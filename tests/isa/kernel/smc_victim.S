/*
 * Self-modifying code through a software-TLB victim entry: the page's
 * translation is cached for stores, pushed out of its slot by a page 1 MiB
 * further on (the same slot of a 256-entry direct-mapped table), then the
 * page gets code, then a store rewrites that code. The store must kill the
 * translation however the translator finds the page's host memory, so the
 * second call returns the new value. A plain store with no cache operation
 * suffices on this machine (mvisor models no caches, its choice,
 * devices/malta/README.md §2.3: the I- and D-side are coherent).
 */
#include "kernel_util.h"
TEST_BEGIN 2
    move $s7, $ra
    la $s0, victim_site             /* kseg0 address of the instruction to rewrite */
    lw $t1, 0($s0)
    sw $t1, 0($s0)                  /* the page, cached for stores before it has code */
    li $t0, 0x100000
    addu $s1, $s0, $t0
    sw $zero, 0($s1)                /* a page 256 pages on: the same slot, so the first is evicted */
    jal victim_fn                   /* the page gets code */
    nop
    move $s2, $v0
    li $t1, 0x2402000A              /* addiu $v0, $zero, 10 */
    sw $t1, 0($s0)                  /* rewrites the code through the cached translation */
    jal victim_fn
    nop
    move $s3, $v0
    CHECK_EQ $s2, 1
    CHECK_EQ $s3, 10
    move $ra, $s7
TEST_END

    .text
    .align 12                       /* a page of its own: nothing else there has code */
victim_fn:
victim_site:
    addiu $v0, $zero, 1
    jr $ra
    nop

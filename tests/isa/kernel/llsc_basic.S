/*
 * LL/SC without anything in between succeeds (ISA SC: "GPR[rt] <- 0^31 ||
 * LLbit", memory written when LLbit = 1); a read-modify-write loop
 * completes; stores of other words between ll and sc do not matter here
 * (a uniprocessor: only eret clears LLbit). LLAddr (PRA 9.21) holds the
 * physical address of the last ll: on the 24K, PA[31:4] in bits 27:0.
 */
#include "kernel_util.h"
    .data
    .align 4
ctr: .word 41
other: .word 0
TEST_BEGIN 8
    la $s0, ctr
    ll $t0, 0($s0)
    addiu $t0, $t0, 1
    sc $t0, 0($s0)
    CHECK_EQ $t0, 1
    lw $t1, 0($s0)
    CHECK_EQ $t1, 42

    /* atomic-increment loop */
1:  ll $t0, 0($s0)
    addiu $t0, $t0, 8
    sc $t0, 0($s0)
    beqz $t0, 1b
    nop
    lw $t1, 0($s0)
    CHECK_EQ $t1, 50

    /* a plain store to another word in between */
    ll $t0, 0($s0)
    sw $t0, 4($s0)
    li $t0, 7
    sc $t0, 0($s0)
    CHECK_EQ $t0, 1
    lw $t1, 0($s0)
    CHECK_EQ $t1, 7

    /* LLAddr = PA >> 4 */
    ll $t0, 4($s0)
    mfc0 $t2, C0_LLADDR
    addiu $t3, $s0, 4
    sll $t3, $t3, 3
    srl $t3, $t3, 7                /* (va & 0x1FFFFFFF) >> 4 */
    CHECK_REG $t2, $t3
    /* ll through kseg1 gives the same physical address */
    li $t4, 0x20000000
    or $t5, $s0, $t4
    ll $t0, 4($t5)
    mfc0 $t2, C0_LLADDR
    CHECK_REG $t2, $t3
    CHECK_EXC EXC_COUNT, 0
TEST_END

/*
 * Status.ERL = 1 makes kuseg an unmapped, uncached window: "When ERL = 1
 * ... the useg/kuseg segment is treated as an unmapped and uncached region"
 * (PRA 4.3 / 9.37 ERL), PA = VA. A low kuseg address with no TLB entry is
 * then readable and writable; with ERL = 0 the same access misses the TLB.
 */
#include "kernel_util.h"
    .data
    .align 4
word: .word 0xE1E1E1E1, 0
TEST_BEGIN 8, 1
    la $t0, word
    sll $s0, $t0, 3
    srl $s0, $s0, 3                /* its physical address, a kuseg VA */
    li $t1, (S_CU0 | S_ERL)
    mtc0 $t1, C0_STATUS
    ehb
    lw $t2, 0($s0)
    li $t3, 0x5EE5EE55
    sw $t3, 4($s0)
    KERNEL_STATUS
    CHECK_EQ $t2, 0xE1E1E1E1
    lw $t4, 4($t0)
    CHECK_EQ $t4, 0x5EE5EE55
    CHECK_EXC EXC_COUNT, 0
l1: lw $t2, 0($s0)                 /* ERL = 0: mapped, no entry */
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC_REG EXC_BADVADDR, $s0
TEST_END

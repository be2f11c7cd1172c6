/*
 * Random and Wired (PRA 9.4 Random: "decrements ... between the upper
 * bound (TLB entries - 1) and a lower bound of Wired"; "set to the upper
 * bound ... when the Wired register is written"; 9.8 Wired). TLBWR writes
 * the entry named by Random (ISA TLBWR). Entries below Wired are never
 * replaced by tlbwr. This model advances Random only on tlbwr, so only the
 * range is checked.
 */
#include "kernel_util.h"
TEST_BEGIN 2 + 48 * 2 + 4 + 3 + 2 + 20   /* loops: 48 tlbwr x 2, 4 wired entries, 20 tlbwr */
    li $t0, 4
    mtc0 $t0, C0_WIRED
    ehb
    CHECK_C0 C0_WIRED, 0, 4
    CHECK_C0 C0_RANDOM, 0, 15      /* reset to the upper bound by the Wired write */
    /* wired entries 0..3 */
    TLB_WRITE 0, 0x10000001, 0x42, 0x82, PM_4K
    TLB_WRITE 1, 0x10002001, 0x42, 0x82, PM_4K
    TLB_WRITE 2, 0x10004001, 0x42, 0x82, PM_4K
    TLB_WRITE 3, 0x10006001, 0x42, 0x82, PM_4K
    /* 48 random writes of distinct VPN2s */
    li $s0, 0x20000001
    li $s1, 48
    mtc0 $zero, C0_PAGEMASK
1:  mfc0 $t1, C0_RANDOM
    CHECK_RANGE $t1, 4, 15
    mtc0 $s0, C0_ENTRYHI
    ehb
    tlbwr
    ehb
    tlbp                           /* where did it go? */
    ehb
    mfc0 $t2, C0_INDEX
    CHECK_RANGE $t2, 4, 15
    li $t9, 0x2000
    addu $s0, $s0, $t9
    addiu $s1, $s1, -1
    bnez $s1, 1b
    nop
    /* wired entries intact */
    li $s2, 0
    li $s3, 0x10000001
2:  mtc0 $s2, C0_INDEX
    ehb
    tlbr
    ehb
    mfc0 $t3, C0_ENTRYHI
    CHECK_REG $t3, $s3
    li $t9, 0x2000
    addu $s3, $s3, $t9
    addiu $s2, $s2, 1
    slti $t4, $s2, 4
    bnez $t4, 2b
    nop
    /* Wired = 15: tlbwr can only use entry 15 */
    li $t0, 15
    mtc0 $t0, C0_WIRED
    ehb
    CHECK_C0 C0_RANDOM, 0, 15
    li $t0, 0x3000A001
    mtc0 $t0, C0_ENTRYHI
    ehb
    tlbwr
    ehb
    tlbp
    ehb
    CHECK_C0 C0_INDEX, 0, 15
    CHECK_C0 C0_RANDOM, 0, 15
    /* Wired = 0: full range */
    mtc0 $zero, C0_WIRED
    ehb
    CHECK_C0 C0_WIRED, 0, 0
    CHECK_C0 C0_RANDOM, 0, 15
    li $s1, 20
3:  tlbwr
    ehb
    mfc0 $t1, C0_RANDOM
    CHECK_RANGE $t1, 0, 15
    addiu $s1, $s1, -1
    bnez $s1, 3b
    nop
TEST_END

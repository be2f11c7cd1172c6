/*
 * Code at one mapped virtual address changes when its mapping does
 * (PRA 4.9: every instruction fetch is translated through the TLB). The
 * same kseg2 page is mapped in turn to two physical pages holding different
 * code; each version is called several times from one call site (so a
 * translator's cached lookups and chained jumps are exercised), through a
 * global entry rewritten with tlbwi, then through non-global entries of two
 * ASIDs that differ only in their PFN, switched by writing EntryHi.ASID.
 */
#include "kernel_util.h"
#define CODE_VA 0xC0200000
#define ASID_A 5
#define ASID_B 9

/* calls CODE_VA three times, adding the results to \acc */
    .macro CALL3 acc
    li $s1, 3
1:  li $t4, CODE_VA
    jalr $t4
    nop
    addu \acc, \acc, $v0
    addiu $s1, $s1, -1
    bnez $s1, 1b
    nop
    .endm

TEST_BEGIN 6
    move $s7, $ra
    li $t2, (LO_C3 | LO_G)                 /* odd page invalid, global */
    li $t3, CODE_VA
    /* global mapping to page one */
    la $t0, page_one
    PA_LO $t1, $t0, LO_VDG
    TLB_WRITE_R 3, $t3, $t1, $t2, PM_4K
    li $s0, 0
    CALL3 $s0
    CHECK_EQ $s0, 3                        /* 1 + 1 + 1 */
    /* the same entry rewritten: page two */
    la $t0, page_two
    PA_LO $t1, $t0, LO_VDG
    li $t3, CODE_VA
    TLB_WRITE_R 3, $t3, $t1, $t2, PM_4K
    li $s0, 0
    CALL3 $s0
    CHECK_EQ $s0, 60                       /* 20 * 3 */
    /* non-global entries for two ASIDs, page one under A and page two under B */
    la $t0, page_one
    PA_LO $t1, $t0, (LO_C3 | LO_D | LO_V)
    li $t2, LO_C3
    li $t3, CODE_VA | ASID_A
    TLB_WRITE_R 3, $t3, $t1, $t2, PM_4K
    la $t0, page_two
    PA_LO $t1, $t0, (LO_C3 | LO_D | LO_V)
    li $t3, CODE_VA | ASID_B
    TLB_WRITE_R 4, $t3, $t1, $t2, PM_4K
    li $t3, ASID_A
    mtc0 $t3, C0_ENTRYHI
    ehb
    li $s0, 0
    CALL3 $s0
    CHECK_EQ $s0, 3
    li $t3, ASID_B
    mtc0 $t3, C0_ENTRYHI
    ehb
    li $s0, 0
    CALL3 $s0
    CHECK_EQ $s0, 60
    li $t3, ASID_A
    mtc0 $t3, C0_ENTRYHI
    ehb
    li $s0, 0
    CALL3 $s0
    CHECK_EQ $s0, 3
    mtc0 $zero, C0_ENTRYHI
    ehb
    CHECK_EXC EXC_COUNT, 0
    move $ra, $s7
TEST_END

    .text
    .balign 4096
page_one:
    jr $ra
    li $v0, 1
    .balign 4096
page_two:
    jr $ra
    li $v0, 20

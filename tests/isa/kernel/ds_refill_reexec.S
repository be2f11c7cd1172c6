/*
 * eret to a branch re-executes the branch (PRA 6.2.1 + 9.39: with BD = 1,
 * EPC holds the branch, and "eret ... PC <- EPC"). A TLB miss on a load in
 * a delay slot goes to the refill vector; a refill handler (like an OS's)
 * writes the mapping with tlbwr and erets to EPC. The branch runs again,
 * then the slot (which now hits) and control reaches the branch target:
 * had eret resumed at the slot, the not-taken path would be executed.
 */
#include "kernel_util.h"
    .data
    .balign 4096
page: .word 0x11110000, 0x22220000
    .space 4096 - 8
page2: .word 0x33330000
    .space 4096 - 4
    .align 2
pte: .word 0, 0
refills: .word 0
refill_epc: .word 0
refill_cause: .word 0

    .text
rhook:                              /* k1 = exc_info, k0 = vector offset */
    la $k1, refills
    lw $k0, 0($k1)
    addiu $k0, $k0, 1
    sw $k0, 0($k1)
    mfc0 $k0, $14
    sw $k0, 4($k1)
    mfc0 $k0, $13
    sw $k0, 8($k1)
    la $k1, pte
    lw $k0, 0($k1)
    mtc0 $k0, $2
    lw $k0, 4($k1)
    mtc0 $k0, $3
    mtc0 $zero, $5
    ehb
    tlbwr
    ehb
    eret

TEST_BEGIN 9, 2
    move $s7, $ra
    la $t0, page
    PA_LO $t1, $t0, LO_VDG
    addiu $t2, $t1, (1 << 6)
    la $t3, pte
    sw $t1, 0($t3)
    sw $t2, 4($t3)
    HOOK_INSTALL rhook
    li $s0, 0x00500000             /* unmapped so far */
    li $t4, 0
b1: beq $t4, $zero, taken1         /* taken */
    lw $t5, 4($s0)                 /* refill in the slot */
    FAIL
taken1:
    CHECK_EQ $t5, 0x22220000
    la $t6, refills
    lw $t7, 0($t6)
    CHECK_EQ $t7, 1                /* exactly one refill */
    lw $t7, 4($t6)
    CHECK_LABEL $t7, b1            /* EPC = the branch */
    lw $t7, 8($t6)
    CHECK_MASK $t7, 0x8000007C, (0x80000000 | (X_TLBL << 2))

    /* the same with jalr and the odd page of another pair */
    la $t0, page2
    PA_LO $t1, $t0, LO_VDG
    addiu $t2, $t1, -(1 << 6)      /* even page = page (odd = page2) */
    sw $t2, 0($t3)
    sw $t1, 4($t3)
    li $s1, 0x00600000
    la $t8, taken2
b2: jalr $s2, $t8
    lw $t5, 0x1000($s1)
l2: FAIL
taken2:
    CHECK_EQ $t5, 0x33330000
    CHECK_LABEL $s2, l2
    lw $t7, 0($t6)
    CHECK_EQ $t7, 2
    lw $t7, 4($t6)
    CHECK_LABEL $t7, b2
    HOOK_REMOVE
    CHECK_EXC EXC_COUNT, 0
    move $ra, $s7
TEST_END

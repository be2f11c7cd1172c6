/*
 * Privileged instructions in branch delay slots (Vol. II "Branch delay slot": the slot executes
 * before control reaches the target; the branch condition and a jump register are read before
 * it; a link register is written by the branch; branch-likely nullifies the slot when not
 * taken). mtc0, mfc0, tlbp, cache, di, ei and rdhwr in the slots of taken and not-taken
 * branches, j/jal/jr/jalr and taken/not-taken branch-likely; under --exec trap each of them
 * traps and the monitor emulates it and then completes the branch.
 */
#include "kernel_util.h"
TEST_BEGIN 21
    move $s7, $ra                   /* the jumps below link through $ra */
    TIMER_FAR
    /* 1. mtc0 in the slot of a taken beq and of a not-taken bne */
    li $t0, 0x1234
    beq $zero, $zero, 1f
    mtc0 $t0, C0_EPC
    FAIL
1:  CHECK_C0 C0_EPC, 0, 0x1234
    li $t0, 0x5678
    bne $zero, $zero, far
    mtc0 $t0, C0_EPC
    CHECK_C0 C0_EPC, 0, 0x5678

    /* 2. mfc0 into the branch's own operand: the condition is the value before the slot */
    li $t2, 7
    mtc0 $zero, C0_EPC
    ehb
    bnez $t2, 2f                    /* t2 = 7: taken, though the slot makes it 0 */
    mfc0 $t2, C0_EPC
    FAIL
2:  CHECK_EQ $t2, 0
    li $t2, 0
    li $t0, 9
    mtc0 $t0, C0_EPC
    ehb
    bnez $t2, far                   /* t2 = 0: not taken, though the slot makes it 9 */
    mfc0 $t2, C0_EPC
    CHECK_EQ $t2, 9

    /* 3. jr whose slot overwrites the jump register: the target is the old value */
    la $t5, 3f
    li $t0, 0x0BAD
    mtc0 $t0, C0_EPC
    ehb
    jr $t5
    mfc0 $t5, C0_EPC
    FAIL
3:  CHECK_EQ $t5, 0x0BAD

    /* 4. jal: $ra is written by the jump, the slot reads it through mtc0 */
jal4: jal 4f
    mtc0 $ra, C0_EPC
    FAIL
4:  CHECK_LABEL $ra, jal4 + 8
    mfc0 $t0, C0_EPC
    CHECK_LABEL $t0, jal4 + 8

    /* 5. tlbp in the slot of a taken j (a miss) and of a not-taken blez (a hit at index 3) */
    TLB_WRITE 3, 0x00300011, 0x00000042, 0x00000082, PM_4K
    li $t0, 0x00500011
    mtc0 $t0, C0_ENTRYHI
    ehb
    j 5f
    tlbp
    FAIL
5:  mfc0 $t1, C0_INDEX
    CHECK_MASK $t1, 0x80000000, 0x80000000
    li $t0, 0x00300011
    mtc0 $t0, C0_ENTRYHI
    ehb
    li $t3, 1
    blez $t3, far
    tlbp
    mfc0 $t1, C0_INDEX
    CHECK_EQ $t1, 3

    /* 6. cache in the slot of a taken bgez and a not-taken bltz: no effect, no fault */
    li $t0, 41
    bgez $t0, 6f
    cache 0x14, 0($zero)
    FAIL
6:  bltz $t0, far
    cache 0x00, 0($zero)
    addiu $t0, $t0, 1
    CHECK_EQ $t0, 42

    /* 7. di in the slot of jalr, ei in the slot of a not-taken bgtz (EXL keeps interrupts out) */
    li $t0, (S_CU0 | S_EXL | S_IE)
    mtc0 $t0, C0_STATUS
    ehb
    la $t3, 7f
jalr7: jalr $t3
    di $t4
    FAIL
7:  CHECK_LABEL $ra, jalr7 + 8
    CHECK_EQ $t4, (S_CU0 | S_EXL | S_IE)
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL)
    bgtz $zero, far
    ei $t4
    CHECK_EQ $t4, (S_CU0 | S_EXL)
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | S_IE)
    di
    KERNEL_STATUS

    /* 8. branch-likely: the slot runs when taken, is nullified when not */
    li $t0, 0x111
    beql $zero, $zero, 8f
    mtc0 $t0, C0_EPC
    FAIL
8:  CHECK_C0 C0_EPC, 0, 0x111
    li $t0, 0x222
    bnel $zero, $zero, far
    mtc0 $t0, C0_EPC
    CHECK_C0 C0_EPC, 0, 0x111

    /* 9. bltzal (taken) with mfc0 into $ra's reader in the slot; rdhwr UserLocal in a slot */
    li $t0, 0x3333
    mtc0 $t0, C0_EPC
    ehb
    li $t1, -1
bal9: bltzal $t1, 9f
    mfc0 $t6, C0_EPC
    FAIL
9:  CHECK_LABEL $ra, bal9 + 8
    CHECK_EQ $t6, 0x3333
    li $t0, 0xCAFE
    mtc0 $t0, $4, 2                 /* UserLocal */
    ehb
    b 10f
    rdhwr $t7, $29
    FAIL
10: CHECK_EQ $t7, 0xCAFE
    CHECK_EXC EXC_COUNT, 0
    b done
    nop
far:
    FAIL
done:
    move $ra, $s7
TEST_END

/*
 * bc1f, bc1t, bc1fl, bc1tl on each of the 8 condition codes (Vol. II BC1F ... BC1TL):
 * the branch tests FCC[cc] (set here through FCCR, cfc1/ctc1 $25), its delay slot runs
 * whether or not a non-likely branch is taken, and a likely branch nullifies its slot when
 * not taken. A compare right before the branch is seen (no hazard in Release 2). Also the
 * conditional moves on a condition code: movf/movt (GPRs) and movf.fmt/movt.fmt (FPRs), which
 * move when FCC[cc] is 0 (movf) or 1 (movt) (Vol. II MOVF, MOVT, MOVF.fmt, MOVT.fmt).
 * Last, FPU instructions in the delay slots of integer branches and jumps: they run once,
 * before the target, and not at all in the nullified slot of an untaken branch-likely.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"

/* FCC pattern 0x5A: codes 1, 3, 4 and 6 are set */
#define PAT 0x5A

    .macro BR_CC cc
    .if (PAT >> \cc) & 1
    EXPECT_TAKEN bc1t, $fcc\cc
    EXPECT_NOT_TAKEN bc1f, $fcc\cc
    .else
    EXPECT_TAKEN bc1f, $fcc\cc
    EXPECT_NOT_TAKEN bc1t, $fcc\cc
    .endif
    .endm

/* likely forms: the slot adds 1 to $s0 only if the branch is taken */
    .macro LIKELY_CC cc
    li $s0, 0
    .if (PAT >> \cc) & 1
    bc1tl $fcc\cc, 1f
    addiu $s0, $s0, 1
    FAIL
1:  CHECK_EQ $s0, 1
    li $s0, 0
    bc1fl $fcc\cc, 2f
    addiu $s0, $s0, 1
2:  CHECK_EQ $s0, 0
    .else
    bc1fl $fcc\cc, 1f
    addiu $s0, $s0, 1
    FAIL
1:  CHECK_EQ $s0, 1
    li $s0, 0
    bc1tl $fcc\cc, 2f
    addiu $s0, $s0, 1
2:  CHECK_EQ $s0, 0
    .endif
    .endm

/* movf/movt on cc: $s1 = 7 moves into $s2 (preset 0) as the bit says */
    .macro MOV_CC cc
    li $s1, 7
    li $s2, 0
    movt $s2, $s1, $fcc\cc
    CHECK_EQ $s2, (7 * ((PAT >> \cc) & 1))
    li $s2, 0
    movf $s2, $s1, $fcc\cc
    CHECK_EQ $s2, (7 * (1 - ((PAT >> \cc) & 1)))
    LI_S $f6, 0x40E00000        /* 7.0 */
    LI_S $f8, 0
    movt.s $f8, $f6, $fcc\cc
    CHECK_S $f8, (0x40E00000 * ((PAT >> \cc) & 1))
    LI_S $f8, 0
    movf.s $f8, $f6, $fcc\cc
    CHECK_S $f8, (0x40E00000 * (1 - ((PAT >> \cc) & 1)))
    LI_D $f10, 0x401C0000, 0x00000001
    LI_D $f12, 0, 0
    movf.d $f12, $f10, $fcc\cc
    CHECK_D $f12, (0x401C0000 * (1 - ((PAT >> \cc) & 1))), (1 - ((PAT >> \cc) & 1))
    LI_D $f12, 0, 0
    movt.d $f12, $f10, $fcc\cc
    CHECK_D $f12, (0x401C0000 * ((PAT >> \cc) & 1)), ((PAT >> \cc) & 1)
    .endm

TEST_BEGIN 108
    SET_FCSR 0
    li $t8, PAT
    ctc1 $t8, $25
    BR_CC 0
    BR_CC 1
    BR_CC 2
    BR_CC 3
    BR_CC 4
    BR_CC 5
    BR_CC 6
    BR_CC 7
    LIKELY_CC 0
    LIKELY_CC 1
    LIKELY_CC 2
    LIKELY_CC 3
    LIKELY_CC 4
    LIKELY_CC 5
    LIKELY_CC 6
    LIKELY_CC 7
    MOV_CC 0
    MOV_CC 1
    MOV_CC 2
    MOV_CC 3
    MOV_CC 4
    MOV_CC 5
    MOV_CC 6
    MOV_CC 7
    /* the delay slot of a non-likely branch runs either way */
    li $s0, 0
    bc1t $fcc1, 1f
    addiu $s0, $s0, 1           /* taken */
    FAIL
1:  bc1t $fcc0, 2f
    addiu $s0, $s0, 1           /* not taken */
2:  CHECK_EQ $s0, 2
    /* a compare then a branch on its result, and a delay slot that changes the code tested */
    LI_S $f2, 0x3F800000        /* 1 */
    LI_S $f4, 0x40000000        /* 2 */
    c.lt.s $fcc2, $f2, $f4      /* 1 < 2: FCC2 = 1 */
    EXPECT_TAKEN bc1t, $fcc2
    li $s0, 0
    bc1t $fcc2, 3f
    c.lt.s $fcc2, $f4, $f2      /* in the slot: FCC2 = 0, after the branch decided */
    FAIL
3:  EXPECT_TAKEN bc1f, $fcc2
    /* bc1t without a cc operand is FCC0 */
    li $t8, 1
    ctc1 $t8, $25
    li $s0, 0
    bc1t 4f                     /* FCC0 = 1: taken */
    nop
    li $s0, 1
4:  CHECK_EQ $s0, 0
    bc1f 5f                     /* not taken */
    nop
    li $s0, 2
5:  CHECK_EQ $s0, 2
    /* FPU instructions in the delay slots of integer branches and jumps */
    LI_S $f2, 0x3F800000        /* 1 */
    LI_S $f4, 0x40000000        /* 2 */
    beq $zero, $zero, 6f
    add.s $f6, $f2, $f4         /* 3 */
    FAIL
6:  CHECK_S $f6, 0x40400000
    bne $zero, $zero, 7f        /* not taken */
    mul.s $f8, $f4, $f4         /* 4 */
7:  CHECK_S $f8, 0x40800000
    la $t0, 8f
    jr $t0
    mfc1 $s1, $f6               /* a GPR written in the slot */
    FAIL
8:  CHECK_EQ $s1, 0x40400000
    move $s7, $ra
    jal fsub
    cvt.d.s $f10, $f8           /* 4.0 as a double, before fsub runs */
    move $ra, $s7
    CHECK_EQ $s2, 0x40100000    /* fsub saw the high word of 4.0 */
    addiu $sp, $sp, -8
    li $t0, 0x12345678
    sw $t0, 0($sp)
    beql $zero, $zero, 9f       /* taken: the slot runs */
    swc1 $f6, 0($sp)
    FAIL
9:  CHECK_MEMW $sp, 0, 0x40400000
    li $t0, 1
    beql $t0, $zero, 10f        /* not taken: the slot is nullified */
    swc1 $f8, 0($sp)
10: CHECK_MEMW $sp, 0, 0x40400000
    addiu $sp, $sp, 8
    SET_FCSR 0
UTEST_END

fsub:
    mfhc1 $s2, $f10
    jr $ra
    nop

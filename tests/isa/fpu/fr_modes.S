/*
 * Status.FR (PRA 9.37 FR; Vol. I-A, "FPU register models"). The 24Kf has a 64-bit FPU
 * (FIR.F64 = 1), so FR is writable. FR = 1: 32 registers of 64 bits, any of them a double.
 * FR = 0: 32 registers of 32 bits, a double in an even/odd pair (odd = high word), which is
 * also what mfhc1/mthc1 of the even register reach. With FR = 0 the manual leaves an odd
 * register as a 64-bit operand UNPREDICTABLE, and the L format, luxc1/suxc1, recip.d and
 * rsqrt.d need FR = 1: this model raises Reserved Instruction for all of them, as QEMU's
 * 24Kf does, writing nothing. Fields that look like odd registers but are not FPRs (the cc
 * of c.cond.d, the tf/cc field of movt.d, the GPR of movz.d) are accepted, as is any
 * register for a 32-bit operand of a double instruction (cvt.s.d fd, cvt.w.d fd).
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"

    .data
    .align 3
buf: .word 0x11111111, 0x22222222, 0x33333333, 0x44444444
out: .space 16

/* insn raises Reserved Instruction as exception number n */
    .macro RESERVED n, insn:vararg
1:  \insn
    CHECK_EXC_AT \n, X_RI, 1b, 0x180
    .endm

    .text
TEST_BEGIN 141, 26
    SET_FCSR 0
    /* FR reads back as written */
    FPU_STATUS 1
    mfc0 $t0, C0_STATUS
    CHECK_MASK $t0, (S_CU1 | S_FR), (S_CU1 | S_FR)
    FPU_STATUS 0
    mfc0 $t0, C0_STATUS
    CHECK_MASK $t0, (S_CU1 | S_FR), S_CU1

    /* ---- FR = 1 ---- */
    FPU_STATUS 1
    LI_D $f1, 0x3FF00000, 0x00000000      /* 1.0 in an odd register */
    LI_S $f0, 0x5A5A5A5A
    CHECK_D $f1, 0x3FF00000, 0x00000000
    CHECK_S $f0, 0x5A5A5A5A               /* the even neighbour is separate */
    add.d $f3, $f1, $f1
    CHECK_D $f3, 0x40000000, 0x00000000
    la $s0, buf
    ldc1 $f5, 8($s0)
    CHECK_D $f5, 0x44444444, 0x33333333
    cvt.l.d $f7, $f3                      /* L format: 2 */
    CHECK_D $f7, 0, 2
    cvt.d.l $f9, $f7
    CHECK_D $f9, 0x40000000, 0x00000000
    recip.d $f11, $f3
    CHECK_D $f11, 0x3FE00000, 0x00000000
    li $s1, 11
    luxc1 $f13, $s1($s0)                  /* buf + 11 -> buf + 8 */
    CHECK_D $f13, 0x44444444, 0x33333333
    CHECK_EXC EXC_COUNT, 0

    /* ---- FR = 0 ---- */
    FPU_STATUS 0
    LI_S $f2, 0x00000000
    LI_S $f3, 0x40080000                  /* the pair $f2/$f3 is 3.0 */
    mfhc1 $t0, $f2
    CHECK_EQ $t0, 0x40080000
    add.d $f4, $f2, $f2
    CHECK_S $f4, 0
    CHECK_S $f5, 0x40180000               /* 6.0: high word in $f5 */
    ldc1 $f6, 0($s0)
    CHECK_S $f6, 0x11111111
    CHECK_S $f7, 0x22222222
    li $t0, 0x40240000
    mthc1 $t0, $f8
    mtc1 $zero, $f8
    CHECK_S $f9, 0x40240000               /* mthc1 $f8 wrote $f9 */
    la $s2, out
    sdc1 $f8, 0($s2)
    CHECK_MEMW $s2, 0, 0
    CHECK_MEMW $s2, 4, 0x40240000
    /* accepted: 32-bit operands of .d ops in odd registers, non-FPR fields */
    cvt.s.d $f1, $f2                      /* 3.0f into an odd register */
    CHECK_S $f1, 0x40400000
    cvt.w.d $f3, $f4                      /* 6 */
    CHECK_S $f3, 6
    LI_S $f4, 0
    LI_S $f5, 0x40080000                  /* $f4/$f5 = 3.0 again */
    li $t1, 1
    LI_S $f10, 0
    LI_S $f11, 0
    movn.d $f10, $f4, $t1                 /* GPR 9: odd, not an FPR */
    CHECK_S $f11, 0x40080000
    c.eq.d $fcc1, $f4, $f4                /* cc 1 in the fd field */
    li $t0, 0
    cfc1 $t0, $25
    CHECK_EQ $t0, 2
    LI_S $f12, 0
    LI_S $f13, 0
    movt.d $f12, $f4, $fcc1               /* the ft field is cc 1, tf 1: odd, not an FPR */
    CHECK_S $f13, 0x40080000
    recip.s $f15, $f1                     /* single recip is fine with FR = 0 */
    CHECK_S $f15, 0x3EAAAAAB
    CHECK_EXC EXC_COUNT, 0

    /* rejected: Reserved Instruction, destination untouched */
    LI_S $f20, 0x77777777
    LI_S $f21, 0x66666666
    RESERVED 1, add.d $f21, $f2, $f4       /* odd fd */
    RESERVED 2, add.d $f20, $f3, $f4       /* odd fs */
    RESERVED 3, sub.d $f20, $f2, $f5       /* odd ft */
    RESERVED 4, mov.d $f20, $f5
    RESERVED 5, sqrt.d $f20, $f1
    RESERVED 6, cvt.d.s $f21, $f1          /* odd double destination */
    RESERVED 7, cvt.s.d $f20, $f3          /* odd double source */
    RESERVED 8, cvt.w.d $f20, $f5
    RESERVED 9, c.lt.d $f1, $f2
    RESERVED 10, madd.d $f20, $f3, $f2, $f4
    RESERVED 11, ldc1 $f21, 0($s0)
    RESERVED 12, sdc1 $f3, 8($s2)
    li $s1, 8
    RESERVED 13, ldxc1 $f21, $s1($s0)
    RESERVED 14, sdxc1 $f3, $s1($s2)
    RESERVED 15, mfhc1 $t2, $f1
    RESERVED 16, mthc1 $t2, $f21
    /* FR = 1 only */
    RESERVED 17, cvt.l.d $f20, $f2
    RESERVED 18, cvt.l.s $f20, $f1
    RESERVED 19, round.l.d $f20, $f2
    RESERVED 20, floor.l.s $f20, $f1
    RESERVED 21, cvt.d.l $f20, $f2
    RESERVED 22, cvt.s.l $f20, $f2
    RESERVED 23, luxc1 $f20, $s1($s0)
    RESERVED 24, suxc1 $f2, $s1($s2)
    RESERVED 25, recip.d $f20, $f2
    RESERVED 26, rsqrt.d $f20, $f2
    CHECK_S $f20, 0x77777777
    CHECK_S $f21, 0x66666666
    CHECK_MEMW $s2, 8, 0
    CHECK_MEMW $s2, 12, 0
    FPU_STATUS 1
TEST_END

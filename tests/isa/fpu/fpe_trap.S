/*
 * The Floating Point exception (PRA 6.2.? FPE, ExcCode 15; Vol. I-A, "FPU exceptions"): when
 * an operation raises a Cause bit whose Enable is set, or E (which has no Enable and always
 * traps), the exception is taken precisely at the instruction: EPC = the instruction (the
 * branch when in a delay slot, with Cause.BD), the destination (an FPR, or the condition code
 * of a compare) is not written, Cause holds what was raised and Flags do not change. Cause
 * bits whose Enable is clear just go to Flags. CTC1 writing a Cause bit together with its
 * Enable (or E) traps at the ctc1 itself, after the write (Vol. I-A, FCSR).
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"

/* insn traps with FPE as exception n; FCSR is then fcsr */
    .macro TRAPS n, fcsr, insn:vararg
1:  \insn
    CHECK_EXC_HERE \n, X_FPE, 1b
    CHECK_FCSR \fcsr
    .endm

    .text
TEST_BEGIN 148, 22
    FPU_STATUS 1
    LI_S $f2, 0x3F800000            /* 1 */
    LI_S $f4, 0x00000000            /* 0 */
    LI_S $f6, 0x40400000            /* 3 */
    LI_S $f8, 0x7F7FFFFF            /* max */
    LI_S $f10, 0x7F800001           /* a quiet NaN */
    LI_S $f12, 0x7FC00000           /* a signalling NaN */
    LI_S $f14, 0x00000001           /* the smallest denormal */
    LI_S $f0, 0x12345678            /* destination canary */

    /* Z enabled: 1/0 traps, $f0 untouched, Flags unchanged */
    SET_FCSR (FENABLE(FX_Z) | FFLAG(FX_O))
    TRAPS 1, (FENABLE(FX_Z) | FCAUSE(FX_Z) | FFLAG(FX_O)), div.s $f0, $f2, $f4
    CHECK_S $f0, 0x12345678
    /* ... but 1/3, inexact with I not enabled, completes and sets Flags */
    div.s $f0, $f2, $f6
    CHECK_S $f0, 0x3EAAAAAB
    CHECK_FCSR (FENABLE(FX_Z) | FCAUSE(FX_I) | FFLAG(FX_O | FX_I))
    CHECK_EXC EXC_COUNT, 1

    /* V enabled: each invalid operation traps */
    SET_FCSR FENABLE(FX_V)
    LI_S $f0, 0x12345678
    TRAPS 2, (FENABLE(FX_V) | FCAUSE(FX_V)), div.s $f0, $f4, $f4
    TRAPS 3, (FENABLE(FX_V) | FCAUSE(FX_V)), add.s $f0, $f12, $f2
    TRAPS 4, (FENABLE(FX_V) | FCAUSE(FX_V)), neg.s $f0, $f12
    LI_S $f16, 0xBF800000
    TRAPS 5, (FENABLE(FX_V) | FCAUSE(FX_V)), sqrt.s $f0, $f16
    LI_S $f16, 0x4F32D05E           /* 3e9 */
    TRAPS 6, (FENABLE(FX_V) | FCAUSE(FX_V)), cvt.w.s $f0, $f16
    TRAPS 7, (FENABLE(FX_V) | FCAUSE(FX_V)), trunc.w.s $f0, $f10
    CHECK_S $f0, 0x12345678
    /* a compare that traps leaves its condition code alone */
    li $t0, 0x04
    ctc1 $t0, $25                   /* FCC2 = 1 */
    TRAPS 8, (0x04000000 | FENABLE(FX_V) | FCAUSE(FX_V)), c.lt.s $fcc2, $f10, $f2
    TRAPS 9, (0x04000000 | FENABLE(FX_V) | FCAUSE(FX_V)), c.eq.s $fcc2, $f12, $f2
    /* a quiet NaN in a quiet compare raises nothing */
    c.eq.s $fcc2, $f10, $f2
    CHECK_FCSR FENABLE(FX_V)
    CHECK_EXC EXC_COUNT, 9

    /* O enabled: overflow traps with Cause O and I; I alone enabled traps for it too */
    SET_FCSR FENABLE(FX_O)
    TRAPS 10, (FENABLE(FX_O) | FCAUSE(FX_O | FX_I)), mul.s $f0, $f8, $f6
    TRAPS 11, (FENABLE(FX_O) | FCAUSE(FX_O | FX_I)), madd.s $f0, $f4, $f8, $f6  /* in the product */
    SET_FCSR FENABLE(FX_I)
    TRAPS 12, (FENABLE(FX_I) | FCAUSE(FX_O | FX_I)), mul.s $f0, $f8, $f6
    TRAPS 13, (FENABLE(FX_I) | FCAUSE(FX_I)), div.s $f0, $f2, $f6
    LI_D $f18, 0x3FB99999, 0x9999999A /* 0.1 */
    TRAPS 14, (FENABLE(FX_I) | FCAUSE(FX_I)), cvt.s.d $f0, $f18
    CHECK_S $f0, 0x12345678

    /* U enabled, FS = 1: a tiny result is flushed, raising U and I: it traps */
    SET_FCSR (FCSR_FS | FENABLE(FX_U))
    LI_S $f16, 0x0D800000           /* 2^-100 */
    TRAPS 15, (FCSR_FS | FENABLE(FX_U) | FCAUSE(FX_U | FX_I)), mul.s $f0, $f16, $f16
    CHECK_S $f0, 0x12345678

    /* E always traps, whatever the enables: a denormal operand with FS = 0 */
    SET_FCSR FFLAG(FX_V)
    TRAPS 16, (FCAUSE(FX_E) | FFLAG(FX_V)), add.s $f0, $f14, $f2
    CHECK_S $f0, 0x12345678
    CHECK_EXC EXC_COUNT, 16

    /* ctc1 with a Cause bit and its Enable: the write happens, then the trap */
    li $t0, (FENABLE(FX_Z) | FCAUSE(FX_Z))
c1: ctc1 $t0, $31
    CHECK_EXC_HERE 17, X_FPE, c1
    CHECK_FCSR (FENABLE(FX_Z) | FCAUSE(FX_Z))
    /* with the Cause but not the Enable: no trap */
    li $t0, FCAUSE(FX_Z)
    ctc1 $t0, $31
    CHECK_FCSR FCAUSE(FX_Z)
    CHECK_EXC EXC_COUNT, 17
    /* FENR turning the Enable on under a pending Cause */
    li $t0, FENABLE(FX_Z)
c2: ctc1 $t0, $28
    CHECK_EXC_HERE 18, X_FPE, c2
    CHECK_FCSR (FENABLE(FX_Z) | FCAUSE(FX_Z))
    /* FEXR writing the Cause under an Enable */
    SET_FCSR FENABLE(FX_V)
    li $t0, FCAUSE(FX_V)
c3: ctc1 $t0, $26
    CHECK_EXC_HERE 19, X_FPE, c3
    CHECK_FCSR (FENABLE(FX_V) | FCAUSE(FX_V))
    /* E written into Cause traps with no Enable at all */
    li $t0, FCAUSE(FX_E)
c4: ctc1 $t0, $31
    CHECK_EXC_HERE 20, X_FPE, c4
    CHECK_FCSR FCAUSE(FX_E)

    /* in a delay slot: EPC = the branch, BD = 1 */
    SET_FCSR FENABLE(FX_Z)
    EXC_RESUME_AT 2f
b1: beq $zero, $zero, 2f
    div.s $f0, $f2, $f4
    FAIL
2:  CHECK_EXC_AT 21, X_FPE, b1, 0x180
    CHECK_BD 1
    CHECK_FCSR (FENABLE(FX_Z) | FCAUSE(FX_Z))
    CHECK_S $f0, 0x12345678
    /* doubles trap the same way */
    LI_D $f20, 0x7FEFFFFF, 0xFFFFFFFF
    LI_D $f22, 0x12345678, 0x9ABCDEF0
    SET_FCSR FENABLE(FX_O)
    TRAPS 22, (FENABLE(FX_O) | FCAUSE(FX_O | FX_I)), add.d $f22, $f20, $f20
    CHECK_D $f22, 0x12345678, 0x9ABCDEF0
    SET_FCSR 0
TEST_END

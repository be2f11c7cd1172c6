/*
 * Helpers for the FPU ISA tests (tests/isa/fpu, tests/isa/fpu-user; include after isa.h).
 *
 * $t8 is the scratch register of these macros (with $t9 of isa.h's CHECK_*). Doubles are
 * written and read with mtc1/mthc1 and mfc1/mfhc1, which name the same 64-bit value in both
 * register modes (Status.FR = 0: the even/odd pair; FR = 1: one register), so one source
 * tests both builds. References: Vol. I-A = MIPS32 Architecture for Programmers Vol. I-A
 * (the FPU chapters: FCSR, formats, exceptions), Vol. II = the instruction set.
 */
#ifndef FPU_UTIL_H
#define FPU_UTIL_H

/* FCSR exception bits, in the order of its Flag/Enable/Cause fields (Vol. I-A, FCSR) */
#define FX_I 0x01
#define FX_U 0x02
#define FX_O 0x04
#define FX_Z 0x08
#define FX_V 0x10
#define FX_E 0x20
#define FCAUSE(x) ((x) << 12)
#define FENABLE(x) ((x) << 7)
#define FFLAG(x) ((x) << 2)
/* rounding modes (FCSR.RM) */
#define RM_RN 0
#define RM_RZ 1
#define RM_RP 2
#define RM_RM 3
#define FCSR_FS 0x01000000
#define FCSR_FCC0 0x00800000

/* The legacy default NaNs (Vol. I-A, "Value Supplied When a New Quiet NaN Is Created") */
#define DNAN_S 0x7FBFFFFF
#define DNAN_DH 0x7FF7FFFF
#define DNAN_DL 0xFFFFFFFF

    .macro SET_FCSR val
    li $t8, \val
    ctc1 $t8, $31
    .endm

    .macro CHECK_FCSR val
    cfc1 $t8, $31
    CHECK_EQ $t8, \val
    .endm

/* FCSR.Cause (bits 17:12) == c */
    .macro CHECK_CAUSE c
    cfc1 $t8, $31
    srl $t8, $t8, 12
    andi $t8, $t8, 0x3F
    CHECK_EQ $t8, \c
    .endm

/* FCSR.Flags (bits 6:2) == f */
    .macro CHECK_FLAGS f
    cfc1 $t8, $31
    srl $t8, $t8, 2
    andi $t8, $t8, 0x1F
    CHECK_EQ $t8, \f
    .endm

/* fr = a 32-bit pattern */
    .macro LI_S fr, bits
    li $t8, \bits
    mtc1 $t8, \fr
    .endm

/* fr (an even register) = the 64-bit pattern hi:lo */
    .macro LI_D fr, hi, lo
    li $t8, \lo
    mtc1 $t8, \fr
    li $t8, \hi
    mthc1 $t8, \fr
    .endm

    .macro CHECK_S fr, bits
    mfc1 $t8, \fr
    CHECK_EQ $t8, \bits
    .endm

    .macro CHECK_D fr, hi, lo
    mfc1 $t8, \fr
    CHECK_EQ $t8, \lo
    mfhc1 $t8, \fr
    CHECK_EQ $t8, \hi
    .endm

/* $f0 = op($f2 = a, $f4 = b), single; checks $f0 == r and Cause == c (2 + 1 checks) */
    .macro OPS2 op, a, b, r, c
    LI_S $f2, \a
    LI_S $f4, \b
    \op $f0, $f2, $f4
    CHECK_S $f0, \r
    CHECK_CAUSE \c
    .endm

/* $f0 = op($f2 = a), single */
    .macro OPS1 op, a, r, c
    LI_S $f2, \a
    \op $f0, $f2
    CHECK_S $f0, \r
    CHECK_CAUSE \c
    .endm

/* $f0 = op($f2 = ah:al, $f4 = bh:bl), double */
    .macro OPD2 op, ah, al, bh, bl, rh, rl, c
    LI_D $f2, \ah, \al
    LI_D $f4, \bh, \bl
    \op $f0, $f2, $f4
    CHECK_D $f0, \rh, \rl
    CHECK_CAUSE \c
    .endm

/* $f0 = op($f2 = ah:al), double */
    .macro OPD1 op, ah, al, rh, rl, c
    LI_D $f2, \ah, \al
    \op $f0, $f2
    CHECK_D $f0, \rh, \rl
    CHECK_CAUSE \c
    .endm

/* ---- for the kernel-mode tests (tests/isa/fpu, after kernel_util.h) ---- */

#define S_FR 0x04000000   /* Status.FR (PRA 9.37) */
#define X_FPE 15          /* Cause.ExcCode of the Floating Point exception */

/* Status = CU0 | CU1, FR = fr (kernel mode, interrupts off) */
    .macro FPU_STATUS fr
    li $t8, (S_CU0 | S_CU1 | ((\fr) * S_FR))
    mtc0 $t8, C0_STATUS
    ehb
    .endm

/* The instruction at label raised exception number n (count), code, EPC = label, not in a
 * delay slot (5 checks) */
    .macro CHECK_EXC_HERE n, code, label
    CHECK_EXC_AT \n, \code, \label, 0x180
    CHECK_BD 0
    .endm

/* Cause := 0 without touching anything else: an exact arithmetic operation ($f30 = 0 + 0) */
    .macro CLEAR_CAUSE
    mtc1 $zero, $f30
    add.s $f30, $f30, $f30
    .endm

#endif

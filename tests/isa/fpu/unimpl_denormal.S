/*
 * Unimplemented Operation on the 24Kf with FCSR.FS = 0: its FPU does not compute with
 * denormal numbers ("FS/FO/FN: options to avoid unimplemented exceptions when handling tiny
 * (denormalized) numbers ... For full IEEE-compatibility you must set [FS,FO,FN] = [0,0,0]",
 * Programming the MIPS32 74K Core Family, the same FPU family; the kernel's emulator then
 * computes the IEEE result). An arithmetic or conversion instruction with a denormal operand,
 * or whose result is tiny (nonzero and below 2^Emin after rounding, Vol. I-A Underflow: tiny
 * even when exact), takes the Floating Point exception with Cause = E alone, always enabled,
 * writing nothing and leaving Flags. Not so: compares (exact on denormals), moves, loads and
 * stores, NaN operands (the NaN decides the result first), a result that rounds up to 2^Emin.
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"

/* insn takes Unimplemented Operation as exception n; Flags stay I, the destination $f0 */
    .macro UNIMPL n, insn:vararg
    LI_S $f0, 0x12345678
1:  \insn
    CHECK_EXC_HERE \n, X_FPE, 1b
    CHECK_FCSR (FCAUSE(FX_E) | FFLAG(FX_I))
    CHECK_S $f0, 0x12345678
    SET_FCSR FFLAG(FX_I)
    .endm

    .text
TEST_BEGIN 188, 25
    FPU_STATUS 1
    SET_FCSR FFLAG(FX_I)
    LI_S $f2, 0x00400000            /* 2^-127, denormal */
    LI_S $f3, 0x80400000            /* -2^-127 */
    LI_S $f4, 0x3F800000            /* 1 */
    LI_S $f5, 0x71800000            /* 2^100 */
    LI_S $f6, 0x0D800000            /* 2^-100 */
    LI_S $f7, 0x30800000            /* 2^-30 */
    LI_S $f8, 0x00800000            /* 2^-126, the smallest normal */
    LI_S $f9, 0x00C00000            /* 1.5 * 2^-126 */
    LI_S $f10, 0x7F800000           /* inf */
    LI_D $f12, 0x00080000, 0x00000000 /* 2^-1023, a denormal double */
    LI_D $f14, 0x01700000, 0x00000000 /* 2^-1000 */
    LI_D $f16, 0x39B00000, 0x00000000 /* 2^-100 */
    LI_D $f18, 0x3800B8BD, 0xA2D1E1FE /* 6.1e-39, below the single range */

    /* a denormal operand */
    UNIMPL 1, add.s $f0, $f2, $f4
    UNIMPL 2, sub.s $f0, $f4, $f3
    UNIMPL 3, mul.s $f0, $f2, $f5    /* the product would be a normal 2^-27 */
    UNIMPL 4, div.s $f0, $f4, $f2
    UNIMPL 5, sqrt.s $f0, $f2
    UNIMPL 6, abs.s $f0, $f3
    UNIMPL 7, neg.s $f0, $f2
    UNIMPL 8, recip.s $f0, $f2
    UNIMPL 9, cvt.w.s $f0, $f2
    UNIMPL 10, floor.w.s $f0, $f3
    UNIMPL 11, cvt.d.s $f0, $f2
    UNIMPL 12, madd.s $f0, $f2, $f4, $f4   /* in fr */
    UNIMPL 13, madd.s $f0, $f4, $f2, $f4   /* in fs */
    UNIMPL 14, mul.s $f0, $f10, $f2        /* even inf * denormal */
    UNIMPL 15, add.d $f0, $f12, $f12
    UNIMPL 16, cvt.s.d $f0, $f12
    UNIMPL 17, trunc.w.d $f0, $f12
    /* a tiny result */
    UNIMPL 18, mul.s $f0, $f6, $f7         /* 2^-130 */
    UNIMPL 19, sub.s $f0, $f9, $f8         /* 2^-127 exactly: tiny though exact */
    UNIMPL 20, cvt.s.d $f0, $f18
    UNIMPL 21, mul.d $f0, $f14, $f16       /* 2^-1100 */
    UNIMPL 22, madd.s $f0, $f4, $f6, $f7   /* the rounded product is tiny (unfused) */
    LI_S $f20, 0x3F000000                  /* 0.5 */
    UNIMPL 23, mul.s $f0, $f8, $f20        /* 2^-127 */
    UNIMPL 24, div.s $f0, $f8, $f5         /* 2^-226: would round to 0 */
    CHECK_EXC EXC_COUNT, 24

    /* compares see denormals exactly and raise nothing */
    li $t0, 0
    ctc1 $t0, $25
    c.eq.s $fcc1, $f2, $f2
    c.lt.s $fcc2, $f3, $f2
    c.lt.s $fcc3, $f2, $f8
    c.eq.s $fcc4, $f2, $f3
    mtc1 $zero, $f21
    c.ult.s $fcc5, $f21, $f2               /* 0 < 2^-127 */
    c.eq.d $fcc6, $f12, $f12
    cfc1 $t0, $25
    CHECK_EQ $t0, 0x6E                     /* codes 1, 2, 3, 5, 6 */
    CHECK_FCSR (0x6E000000 | FFLAG(FX_I)) /* FCC1-3 (bits 25-27), FCC5, FCC6 (29, 30) */
    /* moves, loads, stores */
    mov.s $f22, $f2
    CHECK_S $f22, 0x00400000
    mov.d $f24, $f12
    CHECK_D $f24, 0x00080000, 0
    li $t1, 0
    movz.s $f26, $f3, $t1
    CHECK_S $f26, 0x80400000
    addiu $sp, $sp, -8
    swc1 $f2, 0($sp)
    lwc1 $f27, 0($sp)
    addiu $sp, $sp, 8
    CHECK_S $f27, 0x00400000
    /* a NaN operand decides first */
    LI_S $f28, 0x7F800005                  /* quiet */
    add.s $f0, $f28, $f2
    CHECK_S $f0, 0x7F800005
    mul.s $f0, $f2, $f28
    CHECK_S $f0, 0x7F800005
    /* rounding up to the smallest normal is no tiny result (after rounding) */
    LI_D $f30, 0x380FFFFF, 0xFF800000      /* 2^-126 (1 - 2^-30) */
    cvt.s.d $f0, $f30
    CHECK_S $f0, 0x00800000
    CHECK_FCSR (FCAUSE(FX_I) | FFLAG(FX_I) | 0x6E000000)
    /* ... but rounding toward zero it stays tiny */
    SET_FCSR (RM_RZ | FFLAG(FX_I))
    LI_S $f0, 0x12345678
c1: cvt.s.d $f0, $f30
    CHECK_EXC_HERE 25, X_FPE, c1
    CHECK_FCSR (RM_RZ | FCAUSE(FX_E) | FFLAG(FX_I))
    CHECK_S $f0, 0x12345678
    CHECK_EXC EXC_COUNT, 25
    SET_FCSR 0
TEST_END

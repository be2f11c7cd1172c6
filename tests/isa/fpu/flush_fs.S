/*
 * FCSR.FS = 1, flush to zero (Vol. I-A, FCSR FS: "denormalized results are flushed to zero
 * rather than causing an Unimplemented Operation exception"; on this FPU family FS "causes
 * all tiny operand and result values to be replaced ... additionally for any tiny
 * intermediate value in a multiply-add", Programming the MIPS32 74K Core Family 6.4):
 *  - a denormal operand counts as a zero of its sign, and the operation raises Inexact
 *    (as Linux arch/mips/math-emu/ieee754int.h FLUSHSP has it); compares flush silently;
 *  - a tiny result becomes zero of its sign, raising Underflow and Inexact, except that
 *    rounding toward +inf a positive one (toward -inf a negative one) becomes the smallest
 *    normal number (the R4000 manual's flush table, Linux ieee754sp_format);
 *  - the rounded product of a multiply-add is flushed the same way before the addition;
 *  - moves, loads and stores never flush; no Unimplemented Operation is taken.
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 64
    FPU_STATUS 1
    SET_FCSR FCSR_FS
    LI_S $f12, 0x00400000           /* 2^-127, denormal */
    LI_S $f13, 0x80400000           /* -2^-127 */
    LI_S $f14, 0x3F800000           /* 1 */
    LI_S $f15, 0x71800000           /* 2^100 */
    LI_S $f16, 0x0D800000           /* 2^-100 */
    LI_S $f17, 0x30800000           /* 2^-30 */
    LI_S $f18, 0xB0800000           /* -2^-30 */
    LI_S $f19, 0x00800000           /* 2^-126 */

    /* denormal operands are zeros */
    LI_S $f4, 0
    OPS2 add.s, 0x00400000, 0x00000000, 0x00000000, FX_I
    OPS2 add.s, 0x3F800000, 0x00400000, 0x3F800000, FX_I
    OPS2 mul.s, 0x00400000, 0x71800000, 0x00000000, FX_I   /* not 2^-27 */
    OPS2 mul.s, 0x80400000, 0x40000000, 0x80000000, FX_I   /* -0 */
    OPS2 div.s, 0x3F800000, 0x00400000, 0x7F800000, (FX_I | FX_Z) /* 1 / 0 */
    OPS1 sqrt.s, 0x00400000, 0x00000000, FX_I
    OPS1 neg.s, 0x00400000, 0x80000000, FX_I
    OPS1 abs.s, 0x80400000, 0x00000000, FX_I
    OPS1 cvt.w.s, 0x00400000, 0x00000000, FX_I
    LI_S $f2, 0x80400000
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x80000000, 0
    CHECK_CAUSE FX_I
    OPD2 add.d, 0x00080000, 0x00000000, 0x3FF00000, 0x00000000, 0x3FF00000, 0x00000000, FX_I
    /* compares flush too, raising nothing */
    li $t0, 0
    ctc1 $t0, $25
    mtc1 $zero, $f20
    c.eq.s $fcc1, $f12, $f20        /* 2^-127 == 0 */
    c.lt.s $fcc2, $f20, $f12        /* 0 < 2^-127: false once flushed */
    c.eq.s $fcc3, $f12, $f13        /* +0 == -0 */
    cfc1 $t0, $25
    CHECK_EQ $t0, 0x0A
    CHECK_CAUSE 0

    /* tiny results: zero (U, I), or the smallest normal when rounding toward it */
    OPS2 mul.s, 0x0D800000, 0x30800000, 0x00000000, (FX_U | FX_I)   /* 2^-130, RN */
    OPS2 mul.s, 0x0D800000, 0xB0800000, 0x80000000, (FX_U | FX_I)   /* -2^-130, RN */
    OPS2 div.s, 0x00800000, 0x40000000, 0x00000000, (FX_U | FX_I)   /* 2^-127 exactly */
    OPS2 sub.s, 0x00C00000, 0x00800000, 0x00000000, (FX_U | FX_I)   /* 2^-127 exactly */
    SET_FCSR (FCSR_FS | RM_RZ)
    OPS2 mul.s, 0x0D800000, 0x30800000, 0x00000000, (FX_U | FX_I)
    OPS2 mul.s, 0x0D800000, 0xB0800000, 0x80000000, (FX_U | FX_I)
    SET_FCSR (FCSR_FS | RM_RP)
    OPS2 mul.s, 0x0D800000, 0x30800000, 0x00800000, (FX_U | FX_I)   /* +min normal */
    OPS2 mul.s, 0x0D800000, 0xB0800000, 0x80000000, (FX_U | FX_I)
    SET_FCSR (FCSR_FS | RM_RM)
    OPS2 mul.s, 0x0D800000, 0x30800000, 0x00000000, (FX_U | FX_I)
    OPS2 mul.s, 0x0D800000, 0xB0800000, 0x80800000, (FX_U | FX_I)   /* -min normal */
    LI_D $f2, 0xB800B8BD, 0xA2D1E1FE   /* -6.1e-39 */
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x80800000
    CHECK_CAUSE (FX_U | FX_I)
    SET_FCSR FCSR_FS
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE (FX_U | FX_I)
    OPD2 mul.d, 0x01700000, 0x00000000, 0x39B00000, 0x00000000, 0x00000000, 0x00000000, (FX_U | FX_I)
    SET_FCSR (FCSR_FS | RM_RP)
    OPD2 mul.d, 0x01700000, 0x00000000, 0x39B00000, 0x00000000, 0x00100000, 0x00000000, (FX_U | FX_I)
    SET_FCSR FCSR_FS
    /* a result that rounds up to the smallest normal is not tiny */
    LI_D $f2, 0x380FFFFF, 0xFF800000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x00800000
    CHECK_CAUSE FX_I
    /* the product of a multiply-add: 2^-100 * 2^-30 flushes to 0, then 0 + 1 */
    madd.s $f0, $f14, $f16, $f17
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE (FX_U | FX_I)
    /* Flags: the OR of the causes since FCSR was last written */
    CHECK_FLAGS (FX_I | FX_U)
    /* moves and memory keep denormals as they are */
    mov.s $f22, $f12
    CHECK_S $f22, 0x00400000
    addiu $sp, $sp, -8
    swc1 $f13, 0($sp)
    lwc1 $f23, 0($sp)
    addiu $sp, $sp, 8
    CHECK_S $f23, 0x80400000
    CHECK_EXC EXC_COUNT, 0
    SET_FCSR 0
TEST_END

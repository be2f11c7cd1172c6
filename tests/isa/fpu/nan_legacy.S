/*
 * NaNs in the legacy MIPS encoding (Vol. I-A, "Signaling Non-Number", "Quiet Non-Number":
 * FIR.Has2008 = 0). The quiet bit is the top fraction bit and is 0 for a quiet NaN (so
 * 0x7F800001 is quiet, 0x7FC00000 signalling), the opposite of x86. A quiet NaN operand
 * raises nothing and "causes an arithmetic operation to supply a QNaN result ... when
 * possible one of the operand QNaN values": here the first NaN operand, unchanged. A
 * signalling NaN operand is an Invalid Operation: V, and a new quiet NaN, the default
 * 0x7FBFFFFF / 0x7FF7FFFFFFFFFFFF. abs.fmt/neg.fmt are arithmetic here (no ABS2008): a quiet
 * NaN passes unchanged (sign included), a signalling one is invalid; mov.fmt copies anything.
 * Conversions keep a quiet NaN's sign and the top of its payload (the default NaN if the
 * narrowed payload is empty). The negation of nmadd/nmsub leaves a NaN result alone.
 */
#include "kernel_util.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 72
    FPU_STATUS 1
    SET_FCSR 0
    /* quiet NaNs propagate: the first NaN operand */
    OPS2 add.s, 0x7F800001, 0x3F800000, 0x7F800001, 0
    OPS2 add.s, 0x3F800000, 0xFFA00000, 0xFFA00000, 0
    OPS2 sub.s, 0x7F812345, 0x7F800042, 0x7F812345, 0
    OPS2 mul.s, 0x7F800000, 0xFF800003, 0xFF800003, 0   /* inf * NaN: no invalid */
    OPS2 div.s, 0x00000000, 0x7F800007, 0x7F800007, 0
    OPS1 sqrt.s, 0xFF800009, 0xFF800009, 0               /* no invalid despite the sign */
    OPD2 add.d, 0x7FF00000, 0x00000001, 0x3FF00000, 0x00000000, 0x7FF00000, 0x00000001, 0
    OPD2 mul.d, 0x40000000, 0x00000000, 0xFFF12345, 0x6789ABCD, 0xFFF12345, 0x6789ABCD, 0
    OPD1 sqrt.d, 0x7FF40000, 0x00000000, 0x7FF40000, 0x00000000, 0
    /* signalling NaNs are invalid: the default NaN */
    OPS2 add.s, 0x7FC00000, 0x3F800000, DNAN_S, FX_V
    OPS2 mul.s, 0x3F800000, 0xFFFFFFFF, DNAN_S, FX_V
    OPS2 add.s, 0x7F800001, 0x7FC00001, DNAN_S, FX_V    /* a signalling one beats a quiet one */
    OPS1 sqrt.s, 0x7FE00000, DNAN_S, FX_V
    OPD2 div.d, 0x7FF80000, 0x00000000, 0x3FF00000, 0x00000000, DNAN_DH, DNAN_DL, FX_V
    /* abs/neg: arithmetic, but a quiet NaN keeps even its sign */
    OPS1 abs.s, 0xFF800001, 0xFF800001, 0
    OPS1 neg.s, 0x7F800001, 0x7F800001, 0
    OPS1 neg.s, 0x7FC00000, DNAN_S, FX_V
    OPS1 abs.s, 0xFFC00001, DNAN_S, FX_V
    OPD1 neg.d, 0x7FF00000, 0x00000005, 0x7FF00000, 0x00000005, 0
    OPD1 abs.d, 0xFFF80000, 0x00000000, DNAN_DH, DNAN_DL, FX_V
    /* mov.fmt copies, no exception, Cause untouched (V from above) */
    LI_S $f2, 0x7FC00000
    mov.s $f0, $f2
    CHECK_S $f0, 0x7FC00000
    CHECK_CAUSE FX_V
    /* conversions */
    LI_S $f2, 0xFF812345
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0xFFF02468, 0xA0000000
    CHECK_CAUSE 0
    LI_D $f2, 0x7FF02468, 0xA0000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F812345
    CHECK_CAUSE 0
    LI_D $f2, 0x7FF00000, 0x00000001   /* the payload is below single precision */
    cvt.s.d $f0, $f2
    CHECK_S $f0, DNAN_S
    CHECK_CAUSE 0
    LI_D $f2, 0xFFFC0000, 0x00000000   /* signalling */
    cvt.s.d $f0, $f2
    CHECK_S $f0, DNAN_S
    CHECK_CAUSE FX_V
    OPS1 cvt.w.s, 0x7F800001, 0x7FFFFFFF, FX_V         /* NaN to integer: invalid either way */
    /* multiply-add: the product's NaN first (fs, ft), then fr; NaN results not negated */
    LI_S $f2, 0x7F800011                /* fs */
    LI_S $f4, 0x7F800022                /* ft */
    LI_S $f6, 0x7F800033                /* fr */
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7F800011
    LI_S $f2, 0x40000000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7F800022
    LI_S $f4, 0x40000000
    msub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7F800033
    nmadd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7F800033             /* not 0xFF800033 */
    CHECK_CAUSE 0
    LI_S $f6, 0x7FC00000
    nmsub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, DNAN_S                 /* not 0xFFBFFFFF */
    CHECK_CAUSE FX_V
    LI_S $f2, 0x7F800000
    LI_S $f4, 0
    LI_S $f6, 0x3F800000
    nmadd.s $f0, $f6, $f2, $f4          /* inf * 0: invalid in the product */
    CHECK_S $f0, DNAN_S
    CHECK_CAUSE FX_V
    /* compares: a signalling NaN is invalid even for the quiet predicates */
    LI_S $f2, 0x7FC00000
    LI_S $f4, 0x7F800001
    c.un.s $fcc1, $f2, $f2
    CHECK_CAUSE FX_V
    c.un.s $fcc1, $f4, $f4
    CHECK_CAUSE 0
    c.ngle.s $fcc1, $f4, $f4
    CHECK_CAUSE FX_V
    CHECK_EXC EXC_COUNT, 0
    SET_FCSR 0
TEST_END

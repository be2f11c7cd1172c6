/*
 * Conversions (Vol. II CVT.D.fmt, CVT.S.fmt, CVT.W.fmt, CVT.L.fmt, ROUND/TRUNC/CEIL/FLOOR.W/L.fmt):
 * single <-> double, word (and, with FR = 1, long) <-> floating point, and floating point to
 * integer with the FCSR mode (cvt) or a fixed one (round RN, trunc RZ, ceil RP, floor RM).
 * A source that is infinite, NaN or rounds outside the integer range is an Invalid
 * Operation whose default result is 2^31 - 1 (2^63 - 1), whatever its sign (Vol. II
 * CVT.W.fmt); -2^31 itself fits. Other results: IEEE rounding of the exact value; I when
 * that is inexact. The L format needs FR = 1, so the FR = 0 build leaves it out.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
#if __mips_fpr == 64
TEST_BEGIN 280 + 127                /* + the L format (FR = 1 only) */
#else
TEST_BEGIN 280
#endif
    SET_FCSR 0
    /* cvt.d.s: exact */
    LI_S $f2, 0x3FC00000
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x3FF80000, 0x00000000
    CHECK_CAUSE 0 /* 1.5 */
    LI_S $f2, 0x80000000
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x80000000, 0x00000000
    CHECK_CAUSE 0 /* -0 */
    LI_S $f2, 0x7F800000
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x7FF00000, 0x00000000
    CHECK_CAUSE 0 /* inf */
    LI_S $f2, 0x3DCCCCCD
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x3FB99999, 0xA0000000
    CHECK_CAUSE 0 /* 0.1f */
    LI_S $f2, 0x7F7FFFFF
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x47EFFFFF, 0xE0000000
    CHECK_CAUSE 0 /* max single */
    LI_S $f2, 0x00800000
    cvt.d.s $f0, $f2
    CHECK_D $f0, 0x38100000, 0x00000000
    CHECK_CAUSE 0 /* smallest normal single */
    /* cvt.s.d */
    LI_D $f2, 0x3FB99999, 0x9999999A
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3DCCCCCD
    CHECK_CAUSE FX_I /* 0.1: inexact */
    LI_D $f2, 0x48078287, 0xF49C4A1D
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F800000
    CHECK_CAUSE FX_I|FX_O /* 1e39: overflow */
    LI_D $f2, 0x80000000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE 0 /* -0 */
    LI_D $f2, 0xFFF00000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xFF800000
    CHECK_CAUSE 0 /* -inf */
    LI_D $f2, 0x400C0000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x40600000
    CHECK_CAUSE 0 /* 3.5: exact */
    /* cvt.s.w, cvt.d.w */
    LI_S $f2, 0x00000000
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE 0 /* 0 */
    LI_S $f2, 0x00000000
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0x00000000, 0x00000000
    CHECK_CAUSE 0 /* 0, exact in double */
    LI_S $f2, 0x00000001
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE 0 /* 1 */
    LI_S $f2, 0x00000001
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0x3FF00000, 0x00000000
    CHECK_CAUSE 0 /* 1, exact in double */
    LI_S $f2, 0xFFFFFFFF
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0xBF800000
    CHECK_CAUSE 0 /* -1 */
    LI_S $f2, 0xFFFFFFFF
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0xBFF00000, 0x00000000
    CHECK_CAUSE 0 /* -1, exact in double */
    LI_S $f2, 0x01000001
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0x4B800000
    CHECK_CAUSE FX_I /* 2^24 + 1: a tie, to even */
    LI_S $f2, 0x01000001
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0x41700000, 0x10000000
    CHECK_CAUSE 0 /* 2^24 + 1: a tie, to even, exact in double */
    LI_S $f2, 0x7FFFFFFF
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0x4F000000
    CHECK_CAUSE FX_I /* 2^31 - 1: inexact */
    LI_S $f2, 0x7FFFFFFF
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0x41DFFFFF, 0xFFC00000
    CHECK_CAUSE 0 /* 2^31 - 1: inexact, exact in double */
    LI_S $f2, 0x80000000
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0xCF000000
    CHECK_CAUSE 0 /* -2^31: exact */
    LI_S $f2, 0x80000000
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0xC1E00000, 0x00000000
    CHECK_CAUSE 0 /* -2^31: exact, exact in double */
    LI_S $f2, 0x01234567
    cvt.s.w $f0, $f2
    CHECK_S $f0, 0x4B91A2B4
    CHECK_CAUSE FX_I /* 0x1234567: inexact */
    LI_S $f2, 0x01234567
    cvt.d.w $f0, $f2
    CHECK_D $f0, 0x41723456, 0x70000000
    CHECK_CAUSE 0 /* 0x1234567: inexact, exact in double */
    /* to word: cvt.w (FCSR.RM), round.w (RN), trunc.w (RZ), ceil.w (RP), floor.w (RM) */
    OPS1 round.w.s, 0x40200000, 0x00000002, FX_I /* round.w 2.5 */
    OPS1 round.w.s, 0x40600000, 0x00000004, FX_I /* round.w 3.5 */
    OPS1 round.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* round.w -2.5 */
    OPS1 round.w.s, 0x3FF33333, 0x00000002, FX_I /* round.w 1.9 */
    OPS1 round.w.s, 0xBF8CCCCD, 0xFFFFFFFF, FX_I /* round.w -1.1 */
    OPS1 round.w.s, 0xBF000000, 0x00000000, FX_I /* round.w -0.5 */
    OPS1 round.w.s, 0x3F800000, 0x00000001, 0 /* round.w 1 */
    OPS1 round.w.s, 0x4EFFFFFF, 0x7FFFFF80, 0 /* round.w 2^31 - 128 */
    OPS1 round.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* round.w 2^31: out of range */
    OPS1 round.w.s, 0xCF000000, 0x80000000, 0 /* round.w -2^31: fits */
    OPS1 round.w.s, 0x4F32D05E, 0x7FFFFFFF, FX_V /* round.w 3e9: out of range */
    OPS1 round.w.s, 0xCF32D05E, 0x7FFFFFFF, FX_V /* round.w -3e9: out of range */
    OPS1 round.w.s, 0x7F800000, 0x7FFFFFFF, FX_V /* round.w inf */
    OPS1 round.w.s, 0xFF800000, 0x7FFFFFFF, FX_V /* round.w -inf */
    OPS1 round.w.s, 0x7F800001, 0x7FFFFFFF, FX_V /* round.w a quiet NaN */
    OPS1 round.w.s, 0x7FC00000, 0x7FFFFFFF, FX_V /* round.w a signalling NaN */
    OPS1 trunc.w.s, 0x40200000, 0x00000002, FX_I /* trunc.w 2.5 */
    OPS1 trunc.w.s, 0x40600000, 0x00000003, FX_I /* trunc.w 3.5 */
    OPS1 trunc.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* trunc.w -2.5 */
    OPS1 trunc.w.s, 0x3FF33333, 0x00000001, FX_I /* trunc.w 1.9 */
    OPS1 trunc.w.s, 0xBF8CCCCD, 0xFFFFFFFF, FX_I /* trunc.w -1.1 */
    OPS1 trunc.w.s, 0xBF000000, 0x00000000, FX_I /* trunc.w -0.5 */
    OPS1 trunc.w.s, 0x3F800000, 0x00000001, 0 /* trunc.w 1 */
    OPS1 trunc.w.s, 0x4EFFFFFF, 0x7FFFFF80, 0 /* trunc.w 2^31 - 128 */
    OPS1 trunc.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* trunc.w 2^31: out of range */
    OPS1 trunc.w.s, 0xCF000000, 0x80000000, 0 /* trunc.w -2^31: fits */
    OPS1 trunc.w.s, 0x4F32D05E, 0x7FFFFFFF, FX_V /* trunc.w 3e9: out of range */
    OPS1 trunc.w.s, 0xCF32D05E, 0x7FFFFFFF, FX_V /* trunc.w -3e9: out of range */
    OPS1 trunc.w.s, 0x7F800000, 0x7FFFFFFF, FX_V /* trunc.w inf */
    OPS1 trunc.w.s, 0xFF800000, 0x7FFFFFFF, FX_V /* trunc.w -inf */
    OPS1 trunc.w.s, 0x7F800001, 0x7FFFFFFF, FX_V /* trunc.w a quiet NaN */
    OPS1 trunc.w.s, 0x7FC00000, 0x7FFFFFFF, FX_V /* trunc.w a signalling NaN */
    OPS1 ceil.w.s, 0x40200000, 0x00000003, FX_I /* ceil.w 2.5 */
    OPS1 ceil.w.s, 0x40600000, 0x00000004, FX_I /* ceil.w 3.5 */
    OPS1 ceil.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* ceil.w -2.5 */
    OPS1 ceil.w.s, 0x3FF33333, 0x00000002, FX_I /* ceil.w 1.9 */
    OPS1 ceil.w.s, 0xBF8CCCCD, 0xFFFFFFFF, FX_I /* ceil.w -1.1 */
    OPS1 ceil.w.s, 0xBF000000, 0x00000000, FX_I /* ceil.w -0.5 */
    OPS1 ceil.w.s, 0x3F800000, 0x00000001, 0 /* ceil.w 1 */
    OPS1 ceil.w.s, 0x4EFFFFFF, 0x7FFFFF80, 0 /* ceil.w 2^31 - 128 */
    OPS1 ceil.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* ceil.w 2^31: out of range */
    OPS1 ceil.w.s, 0xCF000000, 0x80000000, 0 /* ceil.w -2^31: fits */
    OPS1 ceil.w.s, 0x4F32D05E, 0x7FFFFFFF, FX_V /* ceil.w 3e9: out of range */
    OPS1 ceil.w.s, 0xCF32D05E, 0x7FFFFFFF, FX_V /* ceil.w -3e9: out of range */
    OPS1 ceil.w.s, 0x7F800000, 0x7FFFFFFF, FX_V /* ceil.w inf */
    OPS1 ceil.w.s, 0xFF800000, 0x7FFFFFFF, FX_V /* ceil.w -inf */
    OPS1 ceil.w.s, 0x7F800001, 0x7FFFFFFF, FX_V /* ceil.w a quiet NaN */
    OPS1 ceil.w.s, 0x7FC00000, 0x7FFFFFFF, FX_V /* ceil.w a signalling NaN */
    OPS1 floor.w.s, 0x40200000, 0x00000002, FX_I /* floor.w 2.5 */
    OPS1 floor.w.s, 0x40600000, 0x00000003, FX_I /* floor.w 3.5 */
    OPS1 floor.w.s, 0xC0200000, 0xFFFFFFFD, FX_I /* floor.w -2.5 */
    OPS1 floor.w.s, 0x3FF33333, 0x00000001, FX_I /* floor.w 1.9 */
    OPS1 floor.w.s, 0xBF8CCCCD, 0xFFFFFFFE, FX_I /* floor.w -1.1 */
    OPS1 floor.w.s, 0xBF000000, 0xFFFFFFFF, FX_I /* floor.w -0.5 */
    OPS1 floor.w.s, 0x3F800000, 0x00000001, 0 /* floor.w 1 */
    OPS1 floor.w.s, 0x4EFFFFFF, 0x7FFFFF80, 0 /* floor.w 2^31 - 128 */
    OPS1 floor.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* floor.w 2^31: out of range */
    OPS1 floor.w.s, 0xCF000000, 0x80000000, 0 /* floor.w -2^31: fits */
    OPS1 floor.w.s, 0x4F32D05E, 0x7FFFFFFF, FX_V /* floor.w 3e9: out of range */
    OPS1 floor.w.s, 0xCF32D05E, 0x7FFFFFFF, FX_V /* floor.w -3e9: out of range */
    OPS1 floor.w.s, 0x7F800000, 0x7FFFFFFF, FX_V /* floor.w inf */
    OPS1 floor.w.s, 0xFF800000, 0x7FFFFFFF, FX_V /* floor.w -inf */
    OPS1 floor.w.s, 0x7F800001, 0x7FFFFFFF, FX_V /* floor.w a quiet NaN */
    OPS1 floor.w.s, 0x7FC00000, 0x7FFFFFFF, FX_V /* floor.w a signalling NaN */
    SET_FCSR RM_RN
    OPS1 cvt.w.s, 0x40200000, 0x00000002, FX_I /* cvt.w.s RN 2.5 */
    OPS1 cvt.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* cvt.w.s RN -2.5 */
    OPS1 cvt.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* cvt.w.s RN 2^31 */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RN 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* cvt.w.d RN -2^31 - 0.5 */
    LI_D $f2, 0xBFE00000, 0x00000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* cvt.w.d RN -0.5 */
    LI_D $f2, 0x4202A05F, 0x20000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RN 1e10: out of range */
    SET_FCSR RM_RZ
    OPS1 cvt.w.s, 0x40200000, 0x00000002, FX_I /* cvt.w.s RZ 2.5 */
    OPS1 cvt.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* cvt.w.s RZ -2.5 */
    OPS1 cvt.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* cvt.w.s RZ 2^31 */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_I /* cvt.w.d RZ 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* cvt.w.d RZ -2^31 - 0.5 */
    LI_D $f2, 0xBFE00000, 0x00000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* cvt.w.d RZ -0.5 */
    LI_D $f2, 0x4202A05F, 0x20000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RZ 1e10: out of range */
    SET_FCSR RM_RP
    OPS1 cvt.w.s, 0x40200000, 0x00000003, FX_I /* cvt.w.s RP 2.5 */
    OPS1 cvt.w.s, 0xC0200000, 0xFFFFFFFE, FX_I /* cvt.w.s RP -2.5 */
    OPS1 cvt.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* cvt.w.s RP 2^31 */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RP 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* cvt.w.d RP -2^31 - 0.5 */
    LI_D $f2, 0xBFE00000, 0x00000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* cvt.w.d RP -0.5 */
    LI_D $f2, 0x4202A05F, 0x20000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RP 1e10: out of range */
    SET_FCSR RM_RM
    OPS1 cvt.w.s, 0x40200000, 0x00000002, FX_I /* cvt.w.s RM 2.5 */
    OPS1 cvt.w.s, 0xC0200000, 0xFFFFFFFD, FX_I /* cvt.w.s RM -2.5 */
    OPS1 cvt.w.s, 0x4F000000, 0x7FFFFFFF, FX_V /* cvt.w.s RM 2^31 */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_I /* cvt.w.d RM 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RM -2^31 - 0.5 */
    LI_D $f2, 0xBFE00000, 0x00000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0xFFFFFFFF
    CHECK_CAUSE FX_I /* cvt.w.d RM -0.5 */
    LI_D $f2, 0x4202A05F, 0x20000000
    cvt.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* cvt.w.d RM 1e10: out of range */
    SET_FCSR 0
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    round.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* round.w.d 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    round.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* round.w.d -2^31 - 0.5 */
    LI_D $f2, 0xBFF80000, 0x00000000
    round.w.d $f0, $f2
    CHECK_S $f0, 0xFFFFFFFE
    CHECK_CAUSE FX_I /* round.w.d -1.5 */
    LI_D $f2, 0xFFF00000, 0x00000000
    round.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* round.w.d -inf */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    trunc.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_I /* trunc.w.d 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    trunc.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* trunc.w.d -2^31 - 0.5 */
    LI_D $f2, 0xBFF80000, 0x00000000
    trunc.w.d $f0, $f2
    CHECK_S $f0, 0xFFFFFFFF
    CHECK_CAUSE FX_I /* trunc.w.d -1.5 */
    LI_D $f2, 0xFFF00000, 0x00000000
    trunc.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* trunc.w.d -inf */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    ceil.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* ceil.w.d 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    ceil.w.d $f0, $f2
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE FX_I /* ceil.w.d -2^31 - 0.5 */
    LI_D $f2, 0xBFF80000, 0x00000000
    ceil.w.d $f0, $f2
    CHECK_S $f0, 0xFFFFFFFF
    CHECK_CAUSE FX_I /* ceil.w.d -1.5 */
    LI_D $f2, 0xFFF00000, 0x00000000
    ceil.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* ceil.w.d -inf */
    LI_D $f2, 0x41DFFFFF, 0xFFE00000
    floor.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_I /* floor.w.d 2^31 - 0.5 */
    LI_D $f2, 0xC1E00000, 0x00100000
    floor.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* floor.w.d -2^31 - 0.5 */
    LI_D $f2, 0xBFF80000, 0x00000000
    floor.w.d $f0, $f2
    CHECK_S $f0, 0xFFFFFFFE
    CHECK_CAUSE FX_I /* floor.w.d -1.5 */
    LI_D $f2, 0xFFF00000, 0x00000000
    floor.w.d $f0, $f2
    CHECK_S $f0, 0x7FFFFFFF
    CHECK_CAUSE FX_V /* floor.w.d -inf */
#if __mips_fpr == 64
    /* the L format (FR = 1 only) */
    OPD1 round.l.d, 0x42700000, 0x00000800, 0x00000100, 0x00000000, FX_I /* round.l.d 2^40 + 0.5 */
    OPD1 round.l.d, 0xC2700000, 0x00001800, 0xFFFFFEFF, 0xFFFFFFFE, FX_I /* round.l.d -2^40 - 1.5 */
    OPD1 round.l.d, 0x43E00000, 0x00000000, 0x7FFFFFFF, 0xFFFFFFFF, FX_V /* round.l.d 2^63: out of range */
    OPD1 round.l.d, 0xC3E00000, 0x00000000, 0x80000000, 0x00000000, 0 /* round.l.d -2^63: fits */
    OPD1 round.l.d, 0x43DFFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFC00, 0 /* round.l.d largest double below 2^63 */
    LI_S $f2, 0x5F000000
    round.l.s $f0, $f2
    CHECK_D $f0, 0x7FFFFFFF, 0xFFFFFFFF
    CHECK_CAUSE FX_V /* round.l.s 2^63 single: out of range */
    LI_S $f2, 0x5368D4A5
    round.l.s $f0, $f2
    CHECK_D $f0, 0x000000E8, 0xD4A50000
    CHECK_CAUSE 0 /* round.l.s 1e12 single */
    LI_S $f2, 0xC0200000
    round.l.s $f0, $f2
    CHECK_D $f0, 0xFFFFFFFF, 0xFFFFFFFE
    CHECK_CAUSE FX_I /* round.l.s -2.5 */
    OPD1 trunc.l.d, 0x42700000, 0x00000800, 0x00000100, 0x00000000, FX_I /* trunc.l.d 2^40 + 0.5 */
    OPD1 trunc.l.d, 0xC2700000, 0x00001800, 0xFFFFFEFF, 0xFFFFFFFF, FX_I /* trunc.l.d -2^40 - 1.5 */
    OPD1 trunc.l.d, 0x43E00000, 0x00000000, 0x7FFFFFFF, 0xFFFFFFFF, FX_V /* trunc.l.d 2^63: out of range */
    OPD1 trunc.l.d, 0xC3E00000, 0x00000000, 0x80000000, 0x00000000, 0 /* trunc.l.d -2^63: fits */
    OPD1 trunc.l.d, 0x43DFFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFC00, 0 /* trunc.l.d largest double below 2^63 */
    LI_S $f2, 0x5F000000
    trunc.l.s $f0, $f2
    CHECK_D $f0, 0x7FFFFFFF, 0xFFFFFFFF
    CHECK_CAUSE FX_V /* trunc.l.s 2^63 single: out of range */
    LI_S $f2, 0x5368D4A5
    trunc.l.s $f0, $f2
    CHECK_D $f0, 0x000000E8, 0xD4A50000
    CHECK_CAUSE 0 /* trunc.l.s 1e12 single */
    LI_S $f2, 0xC0200000
    trunc.l.s $f0, $f2
    CHECK_D $f0, 0xFFFFFFFF, 0xFFFFFFFE
    CHECK_CAUSE FX_I /* trunc.l.s -2.5 */
    OPD1 ceil.l.d, 0x42700000, 0x00000800, 0x00000100, 0x00000001, FX_I /* ceil.l.d 2^40 + 0.5 */
    OPD1 ceil.l.d, 0xC2700000, 0x00001800, 0xFFFFFEFF, 0xFFFFFFFF, FX_I /* ceil.l.d -2^40 - 1.5 */
    OPD1 ceil.l.d, 0x43E00000, 0x00000000, 0x7FFFFFFF, 0xFFFFFFFF, FX_V /* ceil.l.d 2^63: out of range */
    OPD1 ceil.l.d, 0xC3E00000, 0x00000000, 0x80000000, 0x00000000, 0 /* ceil.l.d -2^63: fits */
    OPD1 ceil.l.d, 0x43DFFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFC00, 0 /* ceil.l.d largest double below 2^63 */
    LI_S $f2, 0x5F000000
    ceil.l.s $f0, $f2
    CHECK_D $f0, 0x7FFFFFFF, 0xFFFFFFFF
    CHECK_CAUSE FX_V /* ceil.l.s 2^63 single: out of range */
    LI_S $f2, 0x5368D4A5
    ceil.l.s $f0, $f2
    CHECK_D $f0, 0x000000E8, 0xD4A50000
    CHECK_CAUSE 0 /* ceil.l.s 1e12 single */
    LI_S $f2, 0xC0200000
    ceil.l.s $f0, $f2
    CHECK_D $f0, 0xFFFFFFFF, 0xFFFFFFFE
    CHECK_CAUSE FX_I /* ceil.l.s -2.5 */
    OPD1 floor.l.d, 0x42700000, 0x00000800, 0x00000100, 0x00000000, FX_I /* floor.l.d 2^40 + 0.5 */
    OPD1 floor.l.d, 0xC2700000, 0x00001800, 0xFFFFFEFF, 0xFFFFFFFE, FX_I /* floor.l.d -2^40 - 1.5 */
    OPD1 floor.l.d, 0x43E00000, 0x00000000, 0x7FFFFFFF, 0xFFFFFFFF, FX_V /* floor.l.d 2^63: out of range */
    OPD1 floor.l.d, 0xC3E00000, 0x00000000, 0x80000000, 0x00000000, 0 /* floor.l.d -2^63: fits */
    OPD1 floor.l.d, 0x43DFFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFC00, 0 /* floor.l.d largest double below 2^63 */
    LI_S $f2, 0x5F000000
    floor.l.s $f0, $f2
    CHECK_D $f0, 0x7FFFFFFF, 0xFFFFFFFF
    CHECK_CAUSE FX_V /* floor.l.s 2^63 single: out of range */
    LI_S $f2, 0x5368D4A5
    floor.l.s $f0, $f2
    CHECK_D $f0, 0x000000E8, 0xD4A50000
    CHECK_CAUSE 0 /* floor.l.s 1e12 single */
    LI_S $f2, 0xC0200000
    floor.l.s $f0, $f2
    CHECK_D $f0, 0xFFFFFFFF, 0xFFFFFFFD
    CHECK_CAUSE FX_I /* floor.l.s -2.5 */
    SET_FCSR RM_RZ
    OPD1 cvt.l.d, 0xC0040000, 0x00000000, 0xFFFFFFFF, 0xFFFFFFFE, FX_I /* cvt.l.d RZ -2.5 */
    LI_S $f2, 0x5368D4A5
    cvt.l.s $f0, $f2
    CHECK_D $f0, 0x000000E8, 0xD4A50000
    CHECK_CAUSE 0 /* cvt.l.s RZ 1e12 */
    SET_FCSR 0
    OPD1 cvt.d.l, 0x00200000, 0x00000001, 0x43400000, 0x00000000, FX_I /* cvt.d.l 2^53 + 1: a tie, to even */
    LI_D $f2, 0x00200000, 0x00000001
    cvt.s.l $f0, $f2
    CHECK_S $f0, 0x5A000000
    CHECK_CAUSE FX_I /* cvt.s.l 2^53 + 1: a tie, to even */
    OPD1 cvt.d.l, 0xFFFFFFFF, 0xFFFFFFFF, 0xBFF00000, 0x00000000, 0 /* cvt.d.l -1 */
    LI_D $f2, 0xFFFFFFFF, 0xFFFFFFFF
    cvt.s.l $f0, $f2
    CHECK_S $f0, 0xBF800000
    CHECK_CAUSE 0 /* cvt.s.l -1 */
    OPD1 cvt.d.l, 0x80000000, 0x00000000, 0xC3E00000, 0x00000000, 0 /* cvt.d.l -2^63 */
    LI_D $f2, 0x80000000, 0x00000000
    cvt.s.l $f0, $f2
    CHECK_S $f0, 0xDF000000
    CHECK_CAUSE 0 /* cvt.s.l -2^63 */
    OPD1 cvt.d.l, 0x7FFFFFFF, 0xFFFFFFFF, 0x43E00000, 0x00000000, FX_I /* cvt.d.l 2^63 - 1: inexact */
    LI_D $f2, 0x7FFFFFFF, 0xFFFFFFFF
    cvt.s.l $f0, $f2
    CHECK_S $f0, 0x5F000000
    CHECK_CAUSE FX_I /* cvt.s.l 2^63 - 1: inexact */
    OPD1 cvt.d.l, 0x00000000, 0x00003039, 0x40C81C80, 0x00000000, 0 /* cvt.d.l 12345 */
    LI_D $f2, 0x00000000, 0x00003039
    cvt.s.l $f0, $f2
    CHECK_S $f0, 0x4640E400
    CHECK_CAUSE 0 /* cvt.s.l 12345 */
#endif
    SET_FCSR 0
UTEST_END_J

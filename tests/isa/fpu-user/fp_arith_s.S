/*
 * Single-precision arithmetic, round to nearest (FCSR = 0): add.s, sub.s, mul.s, div.s,
 * sqrt.s, abs.s, neg.s on normal numbers, zeros and infinities (Vol. II ADD.fmt ... NEG.fmt;
 * Vol. I-A, the IEEE 754 exceptions). Each result is the IEEE 754 correctly rounded value
 * (exact rational arithmetic), each Cause field what the operation raised: I for an inexact
 * result, O|I for overflow (to +-inf when rounding to nearest), Z for a finite nonzero divided
 * by zero, V for the invalid operations, whose result is the legacy default NaN 0x7FBFFFFF.
 * The Flags field ends as the OR of every Cause. No denormal operand or tiny result: the
 * 24Kf would take Unimplemented Operation there (see tests/isa/fpu).
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 113
    SET_FCSR 0
    OPS2 add.s, 0x3FC00000, 0x40100000, 0x40700000, 0 /* 1.5 + 2.25 = 3.75, exact */
    OPS2 add.s, 0x3F800000, 0x33800000, 0x3F800000, FX_I /* 1 + 2^-24: a tie, to even: 1, inexact */
    OPS2 add.s, 0x3F800000, 0x34400000, 0x3F800002, FX_I /* 1 + 3*2^-24: a tie, to even: 1 + 2^-22 */
    OPS2 add.s, 0x3F800000, 0x34000000, 0x3F800001, 0 /* 1 + 2^-23: exact, the next float */
    OPS2 add.s, 0x4B800000, 0x3F800000, 0x4B800000, FX_I /* 2^24 + 1: inexact, 2^24 */
    OPS2 add.s, 0xBF800000, 0x3F800000, 0x00000000, 0 /* -1 + 1 = +0 */
    OPS2 add.s, 0x80000000, 0x80000000, 0x80000000, 0 /* -0 + -0 = -0 */
    OPS2 add.s, 0x80000000, 0x00000000, 0x00000000, 0 /* -0 + +0 = +0 (round to nearest) */
    OPS2 add.s, 0x7F7FFFFF, 0x7F7FFFFF, 0x7F800000, FX_I|FX_O /* max + max: overflow, +inf (O, I) */
    OPS2 add.s, 0x7F800000, 0xF149F2CA, 0x7F800000, 0 /* inf + finite = inf */
    OPS2 add.s, 0x7F800000, 0xFF800000, 0x7FBFFFFF, FX_V /* inf + -inf: invalid, the default NaN */
    OPS2 add.s, 0x3F800001, 0xBF800000, 0x34000000, 0 /* (1 + 2^-23) - 1 = 2^-23, exact cancellation */
    OPS2 sub.s, 0x40700000, 0x3FC00000, 0x40100000, 0 /* 3.75 - 1.5 = 2.25 */
    OPS2 sub.s, 0x3F800000, 0x3F800000, 0x00000000, 0 /* 1 - 1 = +0 */
    OPS2 sub.s, 0x80000000, 0x00000000, 0x80000000, 0 /* -0 - +0 = -0 */
    OPS2 sub.s, 0x3F800000, 0x33000000, 0x3F800000, FX_I /* 1 - 2^-25: rounds back to 1, inexact */
    OPS2 sub.s, 0xFF7FFFFF, 0x7F7FFFFF, 0xFF800000, FX_I|FX_O /* -max - max: overflow, -inf */
    OPS2 sub.s, 0x7F800000, 0x7F800000, 0x7FBFFFFF, FX_V /* inf - inf: invalid */
    OPS2 mul.s, 0x40400000, 0x40E00000, 0x41A80000, 0 /* 3 * 7 = 21 */
    OPS2 mul.s, 0x3DCCCCCD, 0x41200000, 0x3F800000, FX_I /* 0.1f * 10: inexact */
    OPS2 mul.s, 0xC0200000, 0x40800000, 0xC1200000, 0 /* -2.5 * 4 = -10 */
    OPS2 mul.s, 0x80000000, 0x40A00000, 0x80000000, 0 /* -0 * 5 = -0 */
    OPS2 mul.s, 0x60AD78EC, 0x60AD78EC, 0x7F800000, FX_I|FX_O /* 1e20 * 1e20: overflow, +inf */
    OPS2 mul.s, 0xE0AD78EC, 0x60AD78EC, 0xFF800000, FX_I|FX_O /* overflow, -inf */
    OPS2 mul.s, 0x7F800000, 0x00000000, 0x7FBFFFFF, FX_V /* inf * 0: invalid */
    OPS2 mul.s, 0xFF800000, 0xC0000000, 0x7F800000, 0 /* -inf * -2 = +inf */
    OPS2 mul.s, 0x3F800800, 0x3F800800, 0x3F801000, FX_I /* (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: a tie, to even */
    OPS2 div.s, 0x40C00000, 0x40400000, 0x40000000, 0 /* 6 / 3 = 2 */
    OPS2 div.s, 0x3F800000, 0x40400000, 0x3EAAAAAB, FX_I /* 1 / 3: inexact */
    OPS2 div.s, 0x40000000, 0x40400000, 0x3F2AAAAB, FX_I /* 2 / 3: inexact */
    OPS2 div.s, 0xBF800000, 0x41000000, 0xBE000000, 0 /* -1 / 8 = -0.125 */
    OPS2 div.s, 0x3F800000, 0x00000000, 0x7F800000, FX_Z /* 1 / 0: division by zero, +inf */
    OPS2 div.s, 0xBF800000, 0x00000000, 0xFF800000, FX_Z /* -1 / +0 = -inf (Z) */
    OPS2 div.s, 0x3F800000, 0x80000000, 0xFF800000, FX_Z /* 1 / -0 = -inf (Z) */
    OPS2 div.s, 0x00000000, 0x00000000, 0x7FBFFFFF, FX_V /* 0 / 0: invalid */
    OPS2 div.s, 0x7F800000, 0x7F800000, 0x7FBFFFFF, FX_V /* inf / inf: invalid */
    OPS2 div.s, 0x7F800000, 0x00000000, 0x7F800000, 0 /* inf / 0 = inf, no exception */
    OPS2 div.s, 0x40A00000, 0x7F800000, 0x00000000, 0 /* 5 / inf = +0 */
    OPS2 div.s, 0x00000000, 0xC0400000, 0x80000000, 0 /* 0 / -3 = -0 */
    OPS2 div.s, 0x7F7FFFFF, 0x3F000000, 0x7F800000, FX_I|FX_O /* max / 0.5: overflow */
    OPS1 sqrt.s, 0x40800000, 0x40000000, 0 /* sqrt(4) = 2 */
    OPS1 sqrt.s, 0x40000000, 0x3FB504F3, FX_I /* sqrt(2): inexact */
    OPS1 sqrt.s, 0x80000000, 0x80000000, 0 /* sqrt(-0) = -0 */
    OPS1 sqrt.s, 0xBF800000, 0x7FBFFFFF, FX_V /* sqrt(-1): invalid */
    OPS1 sqrt.s, 0x7F800000, 0x7F800000, 0 /* sqrt(inf) = inf */
    OPS1 sqrt.s, 0xFF800000, 0x7FBFFFFF, FX_V /* sqrt(-inf): invalid */
    OPS1 sqrt.s, 0x7F7FFFFF, 0x5F7FFFFF, FX_I /* sqrt(max): inexact */
    OPS1 sqrt.s, 0x3F800001, 0x3F800000, FX_I /* sqrt(1 + 2^-23): inexact */
    /* abs/neg: sign changes (Cause cleared first: these are arithmetic on this FPU, not in
     * every model of it, so only Cause = 0 is checked after a cleared Cause) */
    CLEAR_CAUSE
    OPS1 abs.s, 0xC0400000, 0x40400000, 0   /* |-3| = 3 */
    OPS1 abs.s, 0x80000000, 0x00000000, 0   /* |-0| = +0 */
    OPS1 abs.s, 0xFF800000, 0x7F800000, 0   /* |-inf| = inf */
    OPS1 neg.s, 0x40400000, 0xC0400000, 0   /* -(3) = -3 */
    OPS1 neg.s, 0x00000000, 0x80000000, 0   /* -(+0) = -0 */
    OPS1 neg.s, 0xFF800000, 0x7F800000, 0   /* -(-inf) = inf */
    /* the sticky Flags: I, O, Z and V were raised above */
    CHECK_FLAGS (FX_I | FX_O | FX_Z | FX_V)
    /* Cause is replaced, not accumulated: an exact operation leaves it 0 */
    OPS2 add.s, 0x3F800000, 0x3F800000, 0x40000000, 0 /* 1 + 1 = 2 */
    CHECK_FCSR FFLAG(FX_I | FX_O | FX_Z | FX_V)
    SET_FCSR 0
UTEST_END_J

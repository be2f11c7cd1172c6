/*
 * Double-precision arithmetic, round to nearest (FCSR = 0): add.d, sub.d, mul.d, div.d,
 * sqrt.d, abs.d, neg.d on normal numbers, zeros and infinities (Vol. II ADD.fmt ... NEG.fmt;
 * Vol. I-A, the IEEE 754 exceptions). Each result is the IEEE 754 correctly rounded value
 * (exact rational arithmetic), each Cause field what the operation raised: I for an inexact
 * result, O|I for overflow (to +-inf when rounding to nearest), Z for a finite nonzero divided
 * by zero, V for the invalid operations, whose result is the legacy default NaN 0x7FF7FFFFFFFFFFFF.
 * The Flags field ends as the OR of every Cause. No denormal operand or tiny result: the
 * 24Kf would take Unimplemented Operation there (see tests/isa/fpu).
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 132
    SET_FCSR 0
    OPD2 add.d, 0x3FF80000, 0x00000000, 0x40020000, 0x00000000, 0x400E0000, 0x00000000, 0 /* 1.5 + 2.25 = 3.75, exact */
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CA00000, 0x00000000, 0x3FF00000, 0x00000000, FX_I /* 1 + 2^-53: a tie, to even: 1 */
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CB80000, 0x00000000, 0x3FF00000, 0x00000002, FX_I /* 1 + 3*2^-53: a tie, to even: 1 + 2^-51 */
    OPD2 add.d, 0x3FB99999, 0x9999999A, 0x3FC99999, 0x9999999A, 0x3FD33333, 0x33333334, FX_I /* 0.1 + 0.2: inexact */
    OPD2 add.d, 0x43400000, 0x00000000, 0x3FF00000, 0x00000000, 0x43400000, 0x00000000, FX_I /* 2^53 + 1: inexact, 2^53 */
    OPD2 add.d, 0xBFF00000, 0x00000000, 0x3FF00000, 0x00000000, 0x00000000, 0x00000000, 0 /* -1 + 1 = +0 */
    OPD2 add.d, 0x80000000, 0x00000000, 0x80000000, 0x00000000, 0x80000000, 0x00000000, 0 /* -0 + -0 = -0 */
    OPD2 add.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x7FEFFFFF, 0xFFFFFFFF, 0x7FF00000, 0x00000000, FX_I|FX_O /* max + max: overflow */
    OPD2 add.d, 0x7FF00000, 0x00000000, 0xFFF00000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* inf + -inf: invalid */
    OPD2 add.d, 0x3FF00000, 0x00000001, 0xBFF00000, 0x00000000, 0x3CB00000, 0x00000000, 0 /* (1 + 2^-52) - 1 = 2^-52 */
    OPD2 sub.d, 0x400E0000, 0x00000000, 0x3FF80000, 0x00000000, 0x40020000, 0x00000000, 0 /* 3.75 - 1.5 */
    OPD2 sub.d, 0x3FF00000, 0x00000000, 0x3FF00000, 0x00000000, 0x00000000, 0x00000000, 0 /* 1 - 1 = +0 */
    OPD2 sub.d, 0x3FF00000, 0x00000000, 0x3C900000, 0x00000000, 0x3FF00000, 0x00000000, FX_I /* 1 - 2^-54: inexact, 1 */
    OPD2 sub.d, 0xFFEFFFFF, 0xFFFFFFFF, 0x7FEFFFFF, 0xFFFFFFFF, 0xFFF00000, 0x00000000, FX_I|FX_O /* -max - max: overflow */
    OPD2 mul.d, 0x40080000, 0x00000000, 0x401C0000, 0x00000000, 0x40350000, 0x00000000, 0 /* 3 * 7 */
    OPD2 mul.d, 0x3FB99999, 0x9999999A, 0x40080000, 0x00000000, 0x3FD33333, 0x33333334, FX_I /* 0.1 * 3: inexact */
    OPD2 mul.d, 0xC0040000, 0x00000000, 0x40100000, 0x00000000, 0xC0240000, 0x00000000, 0 /* -2.5 * 4 */
    OPD2 mul.d, 0x80000000, 0x00000000, 0x40140000, 0x00000000, 0x80000000, 0x00000000, 0 /* -0 * 5 = -0 */
    OPD2 mul.d, 0x6974E718, 0xD7D7625A, 0x6974E718, 0xD7D7625A, 0x7FF00000, 0x00000000, FX_I|FX_O /* overflow */
    OPD2 mul.d, 0x7FF00000, 0x00000000, 0x00000000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* inf * 0: invalid */
    OPD2 mul.d, 0x3FF00000, 0x04000000, 0x3FF00000, 0x04000000, 0x3FF00000, 0x08000001, 0 /* (1 + 2^-26)^2 = 1 + 2^-25 + 2^-52: exact */
    OPD2 mul.d, 0x3FF00000, 0x02000000, 0x3FF00000, 0x02000000, 0x3FF00000, 0x04000000, FX_I /* (1 + 2^-27)^2: a tie, to even */
    OPD2 div.d, 0x40180000, 0x00000000, 0x40080000, 0x00000000, 0x40000000, 0x00000000, 0 /* 6 / 3 */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40080000, 0x00000000, 0x3FD55555, 0x55555555, FX_I /* 1 / 3: inexact */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40240000, 0x00000000, 0x3FB99999, 0x9999999A, FX_I /* 1 / 10: inexact */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x00000000, 0x00000000, 0x7FF00000, 0x00000000, FX_Z /* 1 / 0: Z */
    OPD2 div.d, 0xC01C0000, 0x00000000, 0x00000000, 0x00000000, 0xFFF00000, 0x00000000, FX_Z /* -7 / 0 = -inf (Z) */
    OPD2 div.d, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* 0 / 0: invalid */
    OPD2 div.d, 0x7FF00000, 0x00000000, 0x7FF00000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* inf / inf: invalid */
    OPD2 div.d, 0x40140000, 0x00000000, 0xFFF00000, 0x00000000, 0x80000000, 0x00000000, 0 /* 5 / -inf = -0 */
    OPD2 div.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x3FD00000, 0x00000000, 0x7FF00000, 0x00000000, FX_I|FX_O /* overflow */
    OPD1 sqrt.d, 0x40300000, 0x00000000, 0x40100000, 0x00000000, 0 /* sqrt(16) = 4 */
    OPD1 sqrt.d, 0x40000000, 0x00000000, 0x3FF6A09E, 0x667F3BCD, FX_I /* sqrt(2): inexact */
    OPD1 sqrt.d, 0x80000000, 0x00000000, 0x80000000, 0x00000000, 0 /* sqrt(-0) = -0 */
    OPD1 sqrt.d, 0xC0100000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* sqrt(-4): invalid */
    OPD1 sqrt.d, 0x7FF00000, 0x00000000, 0x7FF00000, 0x00000000, 0 /* sqrt(inf) */
    OPD1 sqrt.d, 0x7E37E43C, 0x8800759C, 0x5F138D35, 0x2E5096AF, FX_I /* sqrt(1e300): inexact */
    CLEAR_CAUSE
    OPD1 abs.d, 0xC0080000, 0x00000000, 0x40080000, 0x00000000, 0 /* |-3| = 3 */
    OPD1 abs.d, 0x80000000, 0x00000000, 0x00000000, 0x00000000, 0 /* |-0| = +0 */
    OPD1 neg.d, 0x40080000, 0x00000000, 0xC0080000, 0x00000000, 0 /* -(3) = -3 */
    OPD1 neg.d, 0x00000000, 0x00000000, 0x80000000, 0x00000000, 0 /* -(+0) = -0 */
    OPD1 neg.d, 0xFFF00000, 0x00000000, 0x7FF00000, 0x00000000, 0 /* -(-inf) = inf */
    CHECK_FLAGS (FX_I | FX_O | FX_Z | FX_V)
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3FF00000, 0x00000000, 0x40000000, 0x00000000, 0 /* 1 + 1 = 2 */
    CHECK_FCSR FFLAG(FX_I | FX_O | FX_Z | FX_V)
    SET_FCSR 0
UTEST_END_J

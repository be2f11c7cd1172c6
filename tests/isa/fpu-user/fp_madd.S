/*
 * madd.fmt, msub.fmt, nmadd.fmt, nmsub.fmt (Vol. II MADD.fmt ...: fd = fs * ft + fr,
 * fs * ft - fr, -(fs * ft + fr), -(fs * ft - fr)) as the 24Kf does them: unfused, the product
 * rounded to the format in the current mode before the addition (Release 2 semantics). The
 * cases where fused and unfused differ show it: a product whose exact value has more bits
 * than the format, and one that overflows. The negated forms negate the rounded sum (exact
 * sign flips, so -(0) = -0). Cause is the OR of what the product and the sum raised.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 51
    SET_FCSR 0
    LI_S $f2, 0x40000000
    LI_S $f4, 0x40400000
    LI_S $f6, 0x40800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x41200000
    CHECK_CAUSE 0 /* 2*3 + 4 = 10 */
    LI_S $f2, 0x40000000
    LI_S $f4, 0x40400000
    LI_S $f6, 0x40800000
    msub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x40000000
    CHECK_CAUSE 0 /* 2*3 - 4 = 2 */
    LI_S $f2, 0x40000000
    LI_S $f4, 0x40400000
    LI_S $f6, 0x40800000
    nmadd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0xC1200000
    CHECK_CAUSE 0 /* -(2*3 + 4) = -10 */
    LI_S $f2, 0x40000000
    LI_S $f4, 0x40400000
    LI_S $f6, 0x40800000
    nmsub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0xC0000000
    CHECK_CAUSE 0 /* -(2*3 - 4) = -2 */
    LI_S $f2, 0x3F800800
    LI_S $f4, 0x3F800800
    LI_S $f6, 0x3F801000
    msub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* (1+2^-12)^2 - (1+2^-11): the product rounds first (to 1+2^-11), so 0; fused would be 2^-24 */
    LI_S $f2, 0x3F800800
    LI_S $f4, 0x3F800800
    LI_S $f6, 0xBF801000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* the same with madd and -(1+2^-11) */
    LI_S $f2, 0x7F7FFFFF
    LI_S $f4, 0x40000000
    LI_S $f6, 0xFF7FFFFF
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7F800000
    CHECK_CAUSE FX_I|FX_O /* max*2 - max: the product overflows to inf first (O, I); fused would be max */
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x3F800000
    LI_S $f6, 0x33800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE FX_I /* 1 + 2^-24: inexact */
    LI_S $f2, 0x3FC00000
    LI_S $f4, 0x40000000
    LI_S $f6, 0x40400000
    nmsub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x80000000
    CHECK_CAUSE 0 /* -(3 - 3) = -0 */
    LI_S $f2, 0x80000000
    LI_S $f4, 0x3F800000
    LI_S $f6, 0x80000000
    nmadd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE 0 /* -(-0 + -0) = +0 */
    LI_S $f2, 0x7F800000
    LI_S $f4, 0x00000000
    LI_S $f6, 0x3F800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7FBFFFFF
    CHECK_CAUSE FX_V /* inf*0 + 1: invalid, the default NaN */
    LI_S $f2, 0x7F800000
    LI_S $f4, 0x3F800000
    LI_S $f6, 0x7F800000
    msub.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x7FBFFFFF
    CHECK_CAUSE FX_V /* inf - inf: invalid */
    LI_S $f2, 0x40400000
    LI_S $f4, 0x3EAAAAAB
    LI_S $f6, 0xBF800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x00000000
    CHECK_CAUSE FX_I /* 3 * (1/3 rounded up) - 1 */
    LI_D $f2, 0x40000000, 0x00000000
    LI_D $f4, 0x40080000, 0x00000000
    LI_D $f6, 0x40100000, 0x00000000
    madd.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0x40240000, 0x00000000
    CHECK_CAUSE 0 /* 2*3 + 4 */
    LI_D $f2, 0x40000000, 0x00000000
    LI_D $f4, 0x40080000, 0x00000000
    LI_D $f6, 0x40100000, 0x00000000
    nmsub.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0xC0000000, 0x00000000
    CHECK_CAUSE 0 /* -(2*3 - 4) */
    LI_D $f2, 0x3FF00000, 0x02000000
    LI_D $f4, 0x3FF00000, 0x02000000
    LI_D $f6, 0x3FF00000, 0x04000000
    msub.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0x00000000, 0x00000000
    CHECK_CAUSE FX_I /* (1+2^-27)^2 - (1+2^-26): 0 unfused (2^-54 fused) */
    LI_D $f2, 0x3FB99999, 0x9999999A
    LI_D $f4, 0x40240000, 0x00000000
    LI_D $f6, 0xBFF00000, 0x00000000
    madd.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0x00000000, 0x00000000
    CHECK_CAUSE FX_I /* 0.1*10 - 1: the product rounds to 1, so 0 */
    LI_D $f2, 0x3FE00000, 0x00000000
    LI_D $f4, 0x3FE00000, 0x00000000
    LI_D $f6, 0x3FE80000, 0x00000000
    nmadd.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0xBFF00000, 0x00000000
    CHECK_CAUSE 0 /* -(0.25 + 0.75) = -1 */
    LI_D $f2, 0x7FEFFFFF, 0xFFFFFFFF
    LI_D $f4, 0x40100000, 0x00000000
    LI_D $f6, 0xFFEFFFFF, 0xFFFFFFFF
    madd.d $f0, $f6, $f2, $f4
    CHECK_D $f0, 0x7FF00000, 0x00000000
    CHECK_CAUSE FX_I|FX_O /* overflow in the product */
    SET_FCSR RM_RZ
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x3F800001
    LI_S $f6, 0x33800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x3F800001
    CHECK_CAUSE FX_I /* RZ: (1 + 2^-23) + 2^-24 */
    SET_FCSR RM_RP
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x3F800001
    LI_S $f6, 0x33800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x3F800002
    CHECK_CAUSE FX_I /* RP: (1 + 2^-23) + 2^-24 */
    SET_FCSR RM_RM
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x3F800001
    LI_S $f6, 0x33800000
    madd.s $f0, $f6, $f2, $f4
    CHECK_S $f0, 0x3F800001
    CHECK_CAUSE FX_I /* RM: (1 + 2^-23) + 2^-24 */
    SET_FCSR 0
UTEST_END_J

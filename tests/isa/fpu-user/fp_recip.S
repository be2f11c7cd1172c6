/*
 * recip.fmt and rsqrt.fmt (Vol. II RECIP.fmt, RSQRT.fmt). The manual leaves their accuracy
 * to the implementation; the values here are those of this model: 1/x correctly rounded
 * (as div.fmt 1.0, x), and 1/sqrt(x) as div.fmt(1.0, sqrt.fmt(x)), each step rounded, with
 * the exceptions of both steps (x = 0: Z and infinity; x < 0: V and the default NaN).
 * recip.d and rsqrt.d need FR = 1 (as in QEMU's 24Kf), so the FR = 0 build leaves them out.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
#if __mips_fpr == 64
TEST_BEGIN 27 + 24                  /* + recip.d and rsqrt.d (FR = 1 only) */
#else
TEST_BEGIN 27
#endif
    SET_FCSR 0
    OPS1 recip.s, 0x40800000, 0x3E800000, 0 /* 1/4 */
    OPS1 recip.s, 0x40400000, 0x3EAAAAAB, FX_I /* 1/3 */
    OPS1 recip.s, 0xBF000000, 0xC0000000, 0 /* 1/-0.5 */
    OPS1 recip.s, 0x00000000, 0x7F800000, FX_Z /* 1/+0: Z, +inf */
    OPS1 recip.s, 0x80000000, 0xFF800000, FX_Z /* 1/-0: Z, -inf */
    OPS1 recip.s, 0x7F800000, 0x00000000, 0 /* 1/inf: +0 */
    OPS1 recip.s, 0x41200000, 0x3DCCCCCD, FX_I /* 1/10 */
    OPS1 rsqrt.s, 0x40800000, 0x3F000000, 0 /* 1/sqrt(4) */
    OPS1 rsqrt.s, 0x40000000, 0x3F3504F3, FX_I /* 1/sqrt(2) */
    OPS1 rsqrt.s, 0x7F800000, 0x00000000, 0 /* 1/sqrt(inf: +0) */
    OPS1 rsqrt.s, 0x00000000, 0x7F800000, FX_Z /* 1/sqrt(+0: Z, +inf) */
    OPS1 rsqrt.s, 0xBF800000, 0x7FBFFFFF, FX_V /* 1/sqrt(-1: invalid) */
    OPS1 rsqrt.s, 0x3F000000, 0x3FB504F3, FX_I /* 1/sqrt(0.5) */
#if __mips_fpr == 64
    OPD1 recip.d, 0x40200000, 0x00000000, 0x3FC00000, 0x00000000, 0 /* 1/8 */
    OPD1 recip.d, 0x40080000, 0x00000000, 0x3FD55555, 0x55555555, FX_I /* 1/3 */
    OPD1 recip.d, 0x00000000, 0x00000000, 0x7FF00000, 0x00000000, FX_Z /* 1/+0 */
    OPD1 recip.d, 0xC0240000, 0x00000000, 0xBFB99999, 0x9999999A, FX_I /* 1/-10 */
    OPD1 rsqrt.d, 0x40300000, 0x00000000, 0x3FD00000, 0x00000000, 0 /* 1/sqrt(16) */
    OPD1 rsqrt.d, 0x40000000, 0x00000000, 0x3FE6A09E, 0x667F3BCC, FX_I /* 1/sqrt(2) */
    OPD1 rsqrt.d, 0xC0100000, 0x00000000, 0x7FF7FFFF, 0xFFFFFFFF, FX_V /* 1/sqrt(-4: invalid) */
    OPD1 rsqrt.d, 0x7E37E43C, 0x8800759C, 0x20CA2FE7, 0x6A3F9475, FX_I /* 1/sqrt(1e300) */
#endif
    SET_FCSR 0
UTEST_END

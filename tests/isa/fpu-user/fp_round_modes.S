/*
 * The four rounding modes of FCSR.RM (Vol. I-A, FCSR: 0 RN to nearest/even, 1 RZ toward
 * zero, 2 RP toward +infinity, 3 RM toward -infinity) on add, sub, mul, div, sqrt and cvt.s.d,
 * single and double: ties, values just off a representable number on either side, negative
 * operands, overflow (RN gives +-inf, RZ +-max, RP +inf or -max, RM +max or -inf: Vol. I-A,
 * Overflow), the sign of an exact zero sum (-0 only toward -infinity), and exact results,
 * which no mode changes. Expected values: IEEE 754 rounding of the exact result.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 269
    SET_FCSR RM_RN
    OPS2 add.s, 0x3F800000, 0x33800000, 0x3F800000, FX_I /* RN 1 + 2^-24 (a tie) */
    OPS2 add.s, 0x3F800000, 0x34400000, 0x3F800002, FX_I /* RN 1 + 3*2^-24 (a tie) */
    OPS2 add.s, 0xBF800000, 0xB3800000, 0xBF800000, FX_I /* RN -1 - 2^-24 */
    OPS2 add.s, 0x3F800000, 0xB3000000, 0x3F800000, FX_I /* RN 1 - 2^-25 */
    OPS2 sub.s, 0xBF800000, 0x33C00000, 0xBF800001, FX_I /* RN -1 - 3*2^-25 */
    OPS2 mul.s, 0x3F800001, 0x3F800001, 0x3F800002, FX_I /* RN (1 + 2^-23)^2 */
    OPS2 mul.s, 0xC0400000, 0x3EAAAAAB, 0xBF800000, FX_I /* RN -3 * (1/3 rounded up) */
    OPS2 div.s, 0x3F800000, 0x40400000, 0x3EAAAAAB, FX_I /* RN 1/3 */
    OPS2 div.s, 0xC0000000, 0x40400000, 0xBF2AAAAB, FX_I /* RN -2/3 */
    OPS1 sqrt.s, 0x40000000, 0x3FB504F3, FX_I /* RN sqrt 2 */
    OPS1 sqrt.s, 0x40400000, 0x3FDDB3D7, FX_I /* RN sqrt 3 */
    OPS2 mul.s, 0x7F7FFFFF, 0x40000000, 0x7F800000, FX_I|FX_O /* RN max * 2 (overflow) */
    OPS2 mul.s, 0xFF7FFFFF, 0x40000000, 0xFF800000, FX_I|FX_O /* RN -max * 2 (overflow) */
    OPS2 add.s, 0x3F800000, 0xBF800000, 0x00000000, 0 /* RN 1 - 1 (the zero's sign) */
    OPS2 add.s, 0x40400000, 0x40800000, 0x40E00000, 0 /* RN 3 + 4 (exact) */
    SET_FCSR RM_RZ
    OPS2 add.s, 0x3F800000, 0x33800000, 0x3F800000, FX_I /* RZ 1 + 2^-24 (a tie) */
    OPS2 add.s, 0x3F800000, 0x34400000, 0x3F800001, FX_I /* RZ 1 + 3*2^-24 (a tie) */
    OPS2 add.s, 0xBF800000, 0xB3800000, 0xBF800000, FX_I /* RZ -1 - 2^-24 */
    OPS2 add.s, 0x3F800000, 0xB3000000, 0x3F7FFFFF, FX_I /* RZ 1 - 2^-25 */
    OPS2 sub.s, 0xBF800000, 0x33C00000, 0xBF800000, FX_I /* RZ -1 - 3*2^-25 */
    OPS2 mul.s, 0x3F800001, 0x3F800001, 0x3F800002, FX_I /* RZ (1 + 2^-23)^2 */
    OPS2 mul.s, 0xC0400000, 0x3EAAAAAB, 0xBF800000, FX_I /* RZ -3 * (1/3 rounded up) */
    OPS2 div.s, 0x3F800000, 0x40400000, 0x3EAAAAAA, FX_I /* RZ 1/3 */
    OPS2 div.s, 0xC0000000, 0x40400000, 0xBF2AAAAA, FX_I /* RZ -2/3 */
    OPS1 sqrt.s, 0x40000000, 0x3FB504F3, FX_I /* RZ sqrt 2 */
    OPS1 sqrt.s, 0x40400000, 0x3FDDB3D7, FX_I /* RZ sqrt 3 */
    OPS2 mul.s, 0x7F7FFFFF, 0x40000000, 0x7F7FFFFF, FX_I|FX_O /* RZ max * 2 (overflow) */
    OPS2 mul.s, 0xFF7FFFFF, 0x40000000, 0xFF7FFFFF, FX_I|FX_O /* RZ -max * 2 (overflow) */
    OPS2 add.s, 0x3F800000, 0xBF800000, 0x00000000, 0 /* RZ 1 - 1 (the zero's sign) */
    OPS2 add.s, 0x40400000, 0x40800000, 0x40E00000, 0 /* RZ 3 + 4 (exact) */
    SET_FCSR RM_RP
    OPS2 add.s, 0x3F800000, 0x33800000, 0x3F800001, FX_I /* RP 1 + 2^-24 (a tie) */
    OPS2 add.s, 0x3F800000, 0x34400000, 0x3F800002, FX_I /* RP 1 + 3*2^-24 (a tie) */
    OPS2 add.s, 0xBF800000, 0xB3800000, 0xBF800000, FX_I /* RP -1 - 2^-24 */
    OPS2 add.s, 0x3F800000, 0xB3000000, 0x3F800000, FX_I /* RP 1 - 2^-25 */
    OPS2 sub.s, 0xBF800000, 0x33C00000, 0xBF800000, FX_I /* RP -1 - 3*2^-25 */
    OPS2 mul.s, 0x3F800001, 0x3F800001, 0x3F800003, FX_I /* RP (1 + 2^-23)^2 */
    OPS2 mul.s, 0xC0400000, 0x3EAAAAAB, 0xBF800000, FX_I /* RP -3 * (1/3 rounded up) */
    OPS2 div.s, 0x3F800000, 0x40400000, 0x3EAAAAAB, FX_I /* RP 1/3 */
    OPS2 div.s, 0xC0000000, 0x40400000, 0xBF2AAAAA, FX_I /* RP -2/3 */
    OPS1 sqrt.s, 0x40000000, 0x3FB504F4, FX_I /* RP sqrt 2 */
    OPS1 sqrt.s, 0x40400000, 0x3FDDB3D8, FX_I /* RP sqrt 3 */
    OPS2 mul.s, 0x7F7FFFFF, 0x40000000, 0x7F800000, FX_I|FX_O /* RP max * 2 (overflow) */
    OPS2 mul.s, 0xFF7FFFFF, 0x40000000, 0xFF7FFFFF, FX_I|FX_O /* RP -max * 2 (overflow) */
    OPS2 add.s, 0x3F800000, 0xBF800000, 0x00000000, 0 /* RP 1 - 1 (the zero's sign) */
    OPS2 add.s, 0x40400000, 0x40800000, 0x40E00000, 0 /* RP 3 + 4 (exact) */
    SET_FCSR RM_RM
    OPS2 add.s, 0x3F800000, 0x33800000, 0x3F800000, FX_I /* RM 1 + 2^-24 (a tie) */
    OPS2 add.s, 0x3F800000, 0x34400000, 0x3F800001, FX_I /* RM 1 + 3*2^-24 (a tie) */
    OPS2 add.s, 0xBF800000, 0xB3800000, 0xBF800001, FX_I /* RM -1 - 2^-24 */
    OPS2 add.s, 0x3F800000, 0xB3000000, 0x3F7FFFFF, FX_I /* RM 1 - 2^-25 */
    OPS2 sub.s, 0xBF800000, 0x33C00000, 0xBF800001, FX_I /* RM -1 - 3*2^-25 */
    OPS2 mul.s, 0x3F800001, 0x3F800001, 0x3F800002, FX_I /* RM (1 + 2^-23)^2 */
    OPS2 mul.s, 0xC0400000, 0x3EAAAAAB, 0xBF800001, FX_I /* RM -3 * (1/3 rounded up) */
    OPS2 div.s, 0x3F800000, 0x40400000, 0x3EAAAAAA, FX_I /* RM 1/3 */
    OPS2 div.s, 0xC0000000, 0x40400000, 0xBF2AAAAB, FX_I /* RM -2/3 */
    OPS1 sqrt.s, 0x40000000, 0x3FB504F3, FX_I /* RM sqrt 2 */
    OPS1 sqrt.s, 0x40400000, 0x3FDDB3D7, FX_I /* RM sqrt 3 */
    OPS2 mul.s, 0x7F7FFFFF, 0x40000000, 0x7F7FFFFF, FX_I|FX_O /* RM max * 2 (overflow) */
    OPS2 mul.s, 0xFF7FFFFF, 0x40000000, 0xFF800000, FX_I|FX_O /* RM -max * 2 (overflow) */
    OPS2 add.s, 0x3F800000, 0xBF800000, 0x80000000, 0 /* RM 1 - 1 (the zero's sign) */
    OPS2 add.s, 0x40400000, 0x40800000, 0x40E00000, 0 /* RM 3 + 4 (exact) */
    SET_FCSR RM_RN
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CA00000, 0x00000000, 0x3FF00000, 0x00000000, FX_I /* RN 1 + 2^-53 */
    OPD2 add.d, 0xBFF00000, 0x00000000, 0xBCB80000, 0x00000000, 0xBFF00000, 0x00000002, FX_I /* RN -1 - 3*2^-53 */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40080000, 0x00000000, 0x3FD55555, 0x55555555, FX_I /* RN 1/3 */
    OPD2 div.d, 0xBFF00000, 0x00000000, 0x40240000, 0x00000000, 0xBFB99999, 0x9999999A, FX_I /* RN -1/10 */
    OPD1 sqrt.d, 0x40000000, 0x00000000, 0x3FF6A09E, 0x667F3BCD, FX_I /* RN sqrt 2 */
    OPD2 mul.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0x7FF00000, 0x00000000, FX_I|FX_O /* RN max * 1.5 (overflow) */
    OPD2 mul.d, 0xFFEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0xFFF00000, 0x00000000, FX_I|FX_O /* RN -max * 1.5 */
    OPD2 sub.d, 0x40000000, 0x00000000, 0x40000000, 0x00000000, 0x00000000, 0x00000000, 0 /* RN 2 - 2 */
    OPD2 mul.d, 0x3FB99999, 0x9999999A, 0x3FB99999, 0x9999999A, 0x3F847AE1, 0x47AE147C, FX_I /* RN 0.1 * 0.1 */
    SET_FCSR RM_RZ
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CA00000, 0x00000000, 0x3FF00000, 0x00000000, FX_I /* RZ 1 + 2^-53 */
    OPD2 add.d, 0xBFF00000, 0x00000000, 0xBCB80000, 0x00000000, 0xBFF00000, 0x00000001, FX_I /* RZ -1 - 3*2^-53 */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40080000, 0x00000000, 0x3FD55555, 0x55555555, FX_I /* RZ 1/3 */
    OPD2 div.d, 0xBFF00000, 0x00000000, 0x40240000, 0x00000000, 0xBFB99999, 0x99999999, FX_I /* RZ -1/10 */
    OPD1 sqrt.d, 0x40000000, 0x00000000, 0x3FF6A09E, 0x667F3BCC, FX_I /* RZ sqrt 2 */
    OPD2 mul.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0x7FEFFFFF, 0xFFFFFFFF, FX_I|FX_O /* RZ max * 1.5 (overflow) */
    OPD2 mul.d, 0xFFEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0xFFEFFFFF, 0xFFFFFFFF, FX_I|FX_O /* RZ -max * 1.5 */
    OPD2 sub.d, 0x40000000, 0x00000000, 0x40000000, 0x00000000, 0x00000000, 0x00000000, 0 /* RZ 2 - 2 */
    OPD2 mul.d, 0x3FB99999, 0x9999999A, 0x3FB99999, 0x9999999A, 0x3F847AE1, 0x47AE147B, FX_I /* RZ 0.1 * 0.1 */
    SET_FCSR RM_RP
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CA00000, 0x00000000, 0x3FF00000, 0x00000001, FX_I /* RP 1 + 2^-53 */
    OPD2 add.d, 0xBFF00000, 0x00000000, 0xBCB80000, 0x00000000, 0xBFF00000, 0x00000001, FX_I /* RP -1 - 3*2^-53 */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40080000, 0x00000000, 0x3FD55555, 0x55555556, FX_I /* RP 1/3 */
    OPD2 div.d, 0xBFF00000, 0x00000000, 0x40240000, 0x00000000, 0xBFB99999, 0x99999999, FX_I /* RP -1/10 */
    OPD1 sqrt.d, 0x40000000, 0x00000000, 0x3FF6A09E, 0x667F3BCD, FX_I /* RP sqrt 2 */
    OPD2 mul.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0x7FF00000, 0x00000000, FX_I|FX_O /* RP max * 1.5 (overflow) */
    OPD2 mul.d, 0xFFEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0xFFEFFFFF, 0xFFFFFFFF, FX_I|FX_O /* RP -max * 1.5 */
    OPD2 sub.d, 0x40000000, 0x00000000, 0x40000000, 0x00000000, 0x00000000, 0x00000000, 0 /* RP 2 - 2 */
    OPD2 mul.d, 0x3FB99999, 0x9999999A, 0x3FB99999, 0x9999999A, 0x3F847AE1, 0x47AE147C, FX_I /* RP 0.1 * 0.1 */
    SET_FCSR RM_RM
    OPD2 add.d, 0x3FF00000, 0x00000000, 0x3CA00000, 0x00000000, 0x3FF00000, 0x00000000, FX_I /* RM 1 + 2^-53 */
    OPD2 add.d, 0xBFF00000, 0x00000000, 0xBCB80000, 0x00000000, 0xBFF00000, 0x00000002, FX_I /* RM -1 - 3*2^-53 */
    OPD2 div.d, 0x3FF00000, 0x00000000, 0x40080000, 0x00000000, 0x3FD55555, 0x55555555, FX_I /* RM 1/3 */
    OPD2 div.d, 0xBFF00000, 0x00000000, 0x40240000, 0x00000000, 0xBFB99999, 0x9999999A, FX_I /* RM -1/10 */
    OPD1 sqrt.d, 0x40000000, 0x00000000, 0x3FF6A09E, 0x667F3BCC, FX_I /* RM sqrt 2 */
    OPD2 mul.d, 0x7FEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0x7FEFFFFF, 0xFFFFFFFF, FX_I|FX_O /* RM max * 1.5 (overflow) */
    OPD2 mul.d, 0xFFEFFFFF, 0xFFFFFFFF, 0x3FF80000, 0x00000000, 0xFFF00000, 0x00000000, FX_I|FX_O /* RM -max * 1.5 */
    OPD2 sub.d, 0x40000000, 0x00000000, 0x40000000, 0x00000000, 0x80000000, 0x00000000, 0 /* RM 2 - 2 */
    OPD2 mul.d, 0x3FB99999, 0x9999999A, 0x3FB99999, 0x9999999A, 0x3F847AE1, 0x47AE147B, FX_I /* RM 0.1 * 0.1 */
    SET_FCSR RM_RN
    LI_D $f2, 0x3FF00000, 0x10000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE FX_I /* cvt.s.d RN 1 + 2^-24 (a tie) */
    LI_D $f2, 0xBFF00000, 0x30000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xBF800002
    CHECK_CAUSE FX_I /* cvt.s.d RN -(1 + 3*2^-24) (a tie) */
    LI_D $f2, 0x3FD55555, 0x55555555
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3EAAAAAB
    CHECK_CAUSE FX_I /* cvt.s.d RN 1/3 */
    LI_D $f2, 0x47EFFFFF, 0xF0000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F800000
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RN just above max single (overflow) */
    LI_D $f2, 0xC7F00000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xFF800000
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RN -2^128 (overflow) */
    SET_FCSR RM_RZ
    LI_D $f2, 0x3FF00000, 0x10000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE FX_I /* cvt.s.d RZ 1 + 2^-24 (a tie) */
    LI_D $f2, 0xBFF00000, 0x30000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xBF800001
    CHECK_CAUSE FX_I /* cvt.s.d RZ -(1 + 3*2^-24) (a tie) */
    LI_D $f2, 0x3FD55555, 0x55555555
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3EAAAAAA
    CHECK_CAUSE FX_I /* cvt.s.d RZ 1/3 */
    LI_D $f2, 0x47EFFFFF, 0xF0000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F7FFFFF
    CHECK_CAUSE FX_I /* cvt.s.d RZ just above max single (overflow) */
    LI_D $f2, 0xC7F00000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xFF7FFFFF
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RZ -2^128 (overflow) */
    SET_FCSR RM_RP
    LI_D $f2, 0x3FF00000, 0x10000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3F800001
    CHECK_CAUSE FX_I /* cvt.s.d RP 1 + 2^-24 (a tie) */
    LI_D $f2, 0xBFF00000, 0x30000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xBF800001
    CHECK_CAUSE FX_I /* cvt.s.d RP -(1 + 3*2^-24) (a tie) */
    LI_D $f2, 0x3FD55555, 0x55555555
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3EAAAAAB
    CHECK_CAUSE FX_I /* cvt.s.d RP 1/3 */
    LI_D $f2, 0x47EFFFFF, 0xF0000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F800000
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RP just above max single (overflow) */
    LI_D $f2, 0xC7F00000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xFF7FFFFF
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RP -2^128 (overflow) */
    SET_FCSR RM_RM
    LI_D $f2, 0x3FF00000, 0x10000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3F800000
    CHECK_CAUSE FX_I /* cvt.s.d RM 1 + 2^-24 (a tie) */
    LI_D $f2, 0xBFF00000, 0x30000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xBF800002
    CHECK_CAUSE FX_I /* cvt.s.d RM -(1 + 3*2^-24) (a tie) */
    LI_D $f2, 0x3FD55555, 0x55555555
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x3EAAAAAA
    CHECK_CAUSE FX_I /* cvt.s.d RM 1/3 */
    LI_D $f2, 0x47EFFFFF, 0xF0000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0x7F7FFFFF
    CHECK_CAUSE FX_I /* cvt.s.d RM just above max single (overflow) */
    LI_D $f2, 0xC7F00000, 0x00000000
    cvt.s.d $f0, $f2
    CHECK_S $f0, 0xFF800000
    CHECK_CAUSE FX_I|FX_O /* cvt.s.d RM -2^128 (overflow) */
    SET_FCSR 0
UTEST_END_J

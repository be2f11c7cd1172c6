/*
 * c.cond.fmt (Vol. II C.cond.fmt): the 16 predicates in single and double, on ordered pairs
 * (less, equal, greater, +0 = -0) and unordered ones (a NaN operand), each into one of the 8
 * condition codes, leaving the other seven as they were (read through FCCR, cfc1 $25). A
 * predicate is true when its cond bits select the relation found (bit 2 less, bit 1 equal,
 * bit 0 unordered). Invalid Operation (V in Cause, Flags) is raised by a signalling NaN in any
 * compare and by a quiet NaN in the signalling ones (cond bit 3: c.sf ... c.ngt); the
 * legacy encoding is used, 0x7F800001 being quiet and 0x7FC00000 signalling.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"

/* compare $f2 with $f4 into cc: the condition codes (preset to 0xA5) must then be 0xA5 with
 * bit cc = t, and Cause = c; $s0 keeps the count of the next FCCR pattern */
    .macro CMP_CC op, cc, t, c
    li $t8, 0xA5
    ctc1 $t8, $25
    \op $fcc\cc, $f2, $f4
    cfc1 $t8, $25
    CHECK_EQ $t8, ((0xA5 & ~(1 << \cc)) | (\t << \cc))
    CHECK_CAUSE \c
    .endm

TEST_BEGIN 451
    SET_FCSR 0
    /* c.cond.s 1, 2 */
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x40000000
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 0, 0
    CMP_CC c.eq.s, 2, 0, 0
    CMP_CC c.ueq.s, 3, 0, 0
    CMP_CC c.olt.s, 4, 1, 0
    CMP_CC c.ult.s, 5, 1, 0
    CMP_CC c.ole.s, 6, 1, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, 0
    CMP_CC c.ngle.s, 1, 0, 0
    CMP_CC c.seq.s, 2, 0, 0
    CMP_CC c.ngl.s, 3, 0, 0
    CMP_CC c.lt.s, 4, 1, 0
    CMP_CC c.nge.s, 5, 1, 0
    CMP_CC c.le.s, 6, 1, 0
    CMP_CC c.ngt.s, 7, 1, 0
    /* c.cond.s 2, 1 */
    LI_S $f2, 0x40000000
    LI_S $f4, 0x3F800000
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 0, 0
    CMP_CC c.eq.s, 2, 0, 0
    CMP_CC c.ueq.s, 3, 0, 0
    CMP_CC c.olt.s, 4, 0, 0
    CMP_CC c.ult.s, 5, 0, 0
    CMP_CC c.ole.s, 6, 0, 0
    CMP_CC c.ule.s, 7, 0, 0
    CMP_CC c.sf.s, 0, 0, 0
    CMP_CC c.ngle.s, 1, 0, 0
    CMP_CC c.seq.s, 2, 0, 0
    CMP_CC c.ngl.s, 3, 0, 0
    CMP_CC c.lt.s, 4, 0, 0
    CMP_CC c.nge.s, 5, 0, 0
    CMP_CC c.le.s, 6, 0, 0
    CMP_CC c.ngt.s, 7, 0, 0
    /* c.cond.s 1, 1 */
    LI_S $f2, 0x3F800000
    LI_S $f4, 0x3F800000
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 0, 0
    CMP_CC c.eq.s, 2, 1, 0
    CMP_CC c.ueq.s, 3, 1, 0
    CMP_CC c.olt.s, 4, 0, 0
    CMP_CC c.ult.s, 5, 0, 0
    CMP_CC c.ole.s, 6, 1, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, 0
    CMP_CC c.ngle.s, 1, 0, 0
    CMP_CC c.seq.s, 2, 1, 0
    CMP_CC c.ngl.s, 3, 1, 0
    CMP_CC c.lt.s, 4, 0, 0
    CMP_CC c.nge.s, 5, 0, 0
    CMP_CC c.le.s, 6, 1, 0
    CMP_CC c.ngt.s, 7, 1, 0
    /* c.cond.s +0, -0 */
    LI_S $f2, 0x00000000
    LI_S $f4, 0x80000000
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 0, 0
    CMP_CC c.eq.s, 2, 1, 0
    CMP_CC c.ueq.s, 3, 1, 0
    CMP_CC c.olt.s, 4, 0, 0
    CMP_CC c.ult.s, 5, 0, 0
    CMP_CC c.ole.s, 6, 1, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, 0
    CMP_CC c.ngle.s, 1, 0, 0
    CMP_CC c.seq.s, 2, 1, 0
    CMP_CC c.ngl.s, 3, 1, 0
    CMP_CC c.lt.s, 4, 0, 0
    CMP_CC c.nge.s, 5, 0, 0
    CMP_CC c.le.s, 6, 1, 0
    CMP_CC c.ngt.s, 7, 1, 0
    /* c.cond.s -inf, max */
    LI_S $f2, 0xFF800000
    LI_S $f4, 0x7F7FFFFF
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 0, 0
    CMP_CC c.eq.s, 2, 0, 0
    CMP_CC c.ueq.s, 3, 0, 0
    CMP_CC c.olt.s, 4, 1, 0
    CMP_CC c.ult.s, 5, 1, 0
    CMP_CC c.ole.s, 6, 1, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, 0
    CMP_CC c.ngle.s, 1, 0, 0
    CMP_CC c.seq.s, 2, 0, 0
    CMP_CC c.ngl.s, 3, 0, 0
    CMP_CC c.lt.s, 4, 1, 0
    CMP_CC c.nge.s, 5, 1, 0
    CMP_CC c.le.s, 6, 1, 0
    CMP_CC c.ngt.s, 7, 1, 0
    /* c.cond.s quiet NaN, 1 */
    LI_S $f2, 0x7F800001
    LI_S $f4, 0x3F800000
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 1, 0
    CMP_CC c.eq.s, 2, 0, 0
    CMP_CC c.ueq.s, 3, 1, 0
    CMP_CC c.olt.s, 4, 0, 0
    CMP_CC c.ult.s, 5, 1, 0
    CMP_CC c.ole.s, 6, 0, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, FX_V
    CMP_CC c.ngle.s, 1, 1, FX_V
    CMP_CC c.seq.s, 2, 0, FX_V
    CMP_CC c.ngl.s, 3, 1, FX_V
    CMP_CC c.lt.s, 4, 0, FX_V
    CMP_CC c.nge.s, 5, 1, FX_V
    CMP_CC c.le.s, 6, 0, FX_V
    CMP_CC c.ngt.s, 7, 1, FX_V
    /* c.cond.s 1, quiet NaN */
    LI_S $f2, 0x3F800000
    LI_S $f4, 0xFF812345
    CMP_CC c.f.s, 0, 0, 0
    CMP_CC c.un.s, 1, 1, 0
    CMP_CC c.eq.s, 2, 0, 0
    CMP_CC c.ueq.s, 3, 1, 0
    CMP_CC c.olt.s, 4, 0, 0
    CMP_CC c.ult.s, 5, 1, 0
    CMP_CC c.ole.s, 6, 0, 0
    CMP_CC c.ule.s, 7, 1, 0
    CMP_CC c.sf.s, 0, 0, FX_V
    CMP_CC c.ngle.s, 1, 1, FX_V
    CMP_CC c.seq.s, 2, 0, FX_V
    CMP_CC c.ngl.s, 3, 1, FX_V
    CMP_CC c.lt.s, 4, 0, FX_V
    CMP_CC c.nge.s, 5, 1, FX_V
    CMP_CC c.le.s, 6, 0, FX_V
    CMP_CC c.ngt.s, 7, 1, FX_V
    /* c.cond.s signalling NaN, 1 */
    LI_S $f2, 0x7FC00000
    LI_S $f4, 0x3F800000
    CMP_CC c.f.s, 0, 0, FX_V
    CMP_CC c.un.s, 1, 1, FX_V
    CMP_CC c.eq.s, 2, 0, FX_V
    CMP_CC c.ueq.s, 3, 1, FX_V
    CMP_CC c.olt.s, 4, 0, FX_V
    CMP_CC c.ult.s, 5, 1, FX_V
    CMP_CC c.ole.s, 6, 0, FX_V
    CMP_CC c.ule.s, 7, 1, FX_V
    CMP_CC c.sf.s, 0, 0, FX_V
    CMP_CC c.ngle.s, 1, 1, FX_V
    CMP_CC c.seq.s, 2, 0, FX_V
    CMP_CC c.ngl.s, 3, 1, FX_V
    CMP_CC c.lt.s, 4, 0, FX_V
    CMP_CC c.nge.s, 5, 1, FX_V
    CMP_CC c.le.s, 6, 0, FX_V
    CMP_CC c.ngt.s, 7, 1, FX_V
    /* c.cond.d 1, 2 */
    LI_D $f2, 0x3FF00000, 0x00000000
    LI_D $f4, 0x40000000, 0x00000000
    CMP_CC c.f.d, 0, 0, 0
    CMP_CC c.un.d, 1, 0, 0
    CMP_CC c.eq.d, 2, 0, 0
    CMP_CC c.ueq.d, 3, 0, 0
    CMP_CC c.olt.d, 4, 1, 0
    CMP_CC c.ult.d, 5, 1, 0
    CMP_CC c.ole.d, 6, 1, 0
    CMP_CC c.ule.d, 7, 1, 0
    CMP_CC c.sf.d, 0, 0, 0
    CMP_CC c.ngle.d, 1, 0, 0
    CMP_CC c.seq.d, 2, 0, 0
    CMP_CC c.ngl.d, 3, 0, 0
    CMP_CC c.lt.d, 4, 1, 0
    CMP_CC c.nge.d, 5, 1, 0
    CMP_CC c.le.d, 6, 1, 0
    CMP_CC c.ngt.d, 7, 1, 0
    /* c.cond.d -2, -3 */
    LI_D $f2, 0xC0000000, 0x00000000
    LI_D $f4, 0xC0080000, 0x00000000
    CMP_CC c.f.d, 0, 0, 0
    CMP_CC c.un.d, 1, 0, 0
    CMP_CC c.eq.d, 2, 0, 0
    CMP_CC c.ueq.d, 3, 0, 0
    CMP_CC c.olt.d, 4, 0, 0
    CMP_CC c.ult.d, 5, 0, 0
    CMP_CC c.ole.d, 6, 0, 0
    CMP_CC c.ule.d, 7, 0, 0
    CMP_CC c.sf.d, 0, 0, 0
    CMP_CC c.ngle.d, 1, 0, 0
    CMP_CC c.seq.d, 2, 0, 0
    CMP_CC c.ngl.d, 3, 0, 0
    CMP_CC c.lt.d, 4, 0, 0
    CMP_CC c.nge.d, 5, 0, 0
    CMP_CC c.le.d, 6, 0, 0
    CMP_CC c.ngt.d, 7, 0, 0
    /* c.cond.d 3, 3 */
    LI_D $f2, 0x40080000, 0x00000000
    LI_D $f4, 0x40080000, 0x00000000
    CMP_CC c.f.d, 0, 0, 0
    CMP_CC c.un.d, 1, 0, 0
    CMP_CC c.eq.d, 2, 1, 0
    CMP_CC c.ueq.d, 3, 1, 0
    CMP_CC c.olt.d, 4, 0, 0
    CMP_CC c.ult.d, 5, 0, 0
    CMP_CC c.ole.d, 6, 1, 0
    CMP_CC c.ule.d, 7, 1, 0
    CMP_CC c.sf.d, 0, 0, 0
    CMP_CC c.ngle.d, 1, 0, 0
    CMP_CC c.seq.d, 2, 1, 0
    CMP_CC c.ngl.d, 3, 1, 0
    CMP_CC c.lt.d, 4, 0, 0
    CMP_CC c.nge.d, 5, 0, 0
    CMP_CC c.le.d, 6, 1, 0
    CMP_CC c.ngt.d, 7, 1, 0
    /* c.cond.d -0, +0 */
    LI_D $f2, 0x80000000, 0x00000000
    LI_D $f4, 0x00000000, 0x00000000
    CMP_CC c.f.d, 0, 0, 0
    CMP_CC c.un.d, 1, 0, 0
    CMP_CC c.eq.d, 2, 1, 0
    CMP_CC c.ueq.d, 3, 1, 0
    CMP_CC c.olt.d, 4, 0, 0
    CMP_CC c.ult.d, 5, 0, 0
    CMP_CC c.ole.d, 6, 1, 0
    CMP_CC c.ule.d, 7, 1, 0
    CMP_CC c.sf.d, 0, 0, 0
    CMP_CC c.ngle.d, 1, 0, 0
    CMP_CC c.seq.d, 2, 1, 0
    CMP_CC c.ngl.d, 3, 1, 0
    CMP_CC c.lt.d, 4, 0, 0
    CMP_CC c.nge.d, 5, 0, 0
    CMP_CC c.le.d, 6, 1, 0
    CMP_CC c.ngt.d, 7, 1, 0
    /* c.cond.d quiet NaN, 0 */
    LI_D $f2, 0x7FF00000, 0x00000001
    LI_D $f4, 0x00000000, 0x00000000
    CMP_CC c.f.d, 0, 0, 0
    CMP_CC c.un.d, 1, 1, 0
    CMP_CC c.eq.d, 2, 0, 0
    CMP_CC c.ueq.d, 3, 1, 0
    CMP_CC c.olt.d, 4, 0, 0
    CMP_CC c.ult.d, 5, 1, 0
    CMP_CC c.ole.d, 6, 0, 0
    CMP_CC c.ule.d, 7, 1, 0
    CMP_CC c.sf.d, 0, 0, FX_V
    CMP_CC c.ngle.d, 1, 1, FX_V
    CMP_CC c.seq.d, 2, 0, FX_V
    CMP_CC c.ngl.d, 3, 1, FX_V
    CMP_CC c.lt.d, 4, 0, FX_V
    CMP_CC c.nge.d, 5, 1, FX_V
    CMP_CC c.le.d, 6, 0, FX_V
    CMP_CC c.ngt.d, 7, 1, FX_V
    /* c.cond.d 0, signalling NaN */
    LI_D $f2, 0x00000000, 0x00000000
    LI_D $f4, 0x7FF80000, 0x00000000
    CMP_CC c.f.d, 0, 0, FX_V
    CMP_CC c.un.d, 1, 1, FX_V
    CMP_CC c.eq.d, 2, 0, FX_V
    CMP_CC c.ueq.d, 3, 1, FX_V
    CMP_CC c.olt.d, 4, 0, FX_V
    CMP_CC c.ult.d, 5, 1, FX_V
    CMP_CC c.ole.d, 6, 0, FX_V
    CMP_CC c.ule.d, 7, 1, FX_V
    CMP_CC c.sf.d, 0, 0, FX_V
    CMP_CC c.ngle.d, 1, 1, FX_V
    CMP_CC c.seq.d, 2, 0, FX_V
    CMP_CC c.ngl.d, 3, 1, FX_V
    CMP_CC c.lt.d, 4, 0, FX_V
    CMP_CC c.nge.d, 5, 1, FX_V
    CMP_CC c.le.d, 6, 0, FX_V
    CMP_CC c.ngt.d, 7, 1, FX_V
    /* FCCR and FCSR are two views of the same bits: FCC0 is FCSR bit 23, FCC1-7 bits 25-31 */
    li $t8, 0x81
    ctc1 $t8, $25
    cfc1 $t8, $31
    CHECK_EQ $t8, (0x80000000 | FCSR_FCC0 | FCAUSE(FX_V) | FFLAG(FX_V)) /* the last compare raised V */
    SET_FCSR 0
    cfc1 $t8, $25
    CHECK_EQ $t8, 0
UTEST_END_J

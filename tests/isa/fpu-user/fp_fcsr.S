/*
 * The FPU control registers (Vol. I-A, FPU control registers; Vol. II CFC1, CTC1):
 *   FIR (0) = 0x00739300 on the 24Kf: F64, L, W, D, S; no PS, no 3D; processor ID 0x93.
 *   FCSR (31): FCC7-1 (31:25), FS (24), FCC0 (23), Cause (17:12), Enables (11:7), Flags (6:2),
 *   RM (1:0) are writable; bits 22:18 read 0 (no IEEE 754-2008 modes on this FPU).
 *   FCCR (25) = the 8 condition codes; FEXR (26) = Cause and Flags in place;
 *   FENR (28) = Enables in place, FS at bit 2, RM. Each is a view of FCSR.
 * Writing a Cause bit with its Enable (or E) would trap, so no write here sets both. Cause
 * is rewritten by every arithmetic instruction, Flags only accumulate.
 */
#include "isa.h"
#include "user_util.h"
#include "fpu_util.h"
TEST_BEGIN 21
    cfc1 $t0, $0
    CHECK_EQ $t0, 0x00739300
    /* every writable bit but E and the enables */
    SET_FCSR 0xFF81F07F
    CHECK_FCSR 0xFF81F07F
    cfc1 $t0, $25
    CHECK_EQ $t0, 0xFF
    cfc1 $t0, $26
    CHECK_EQ $t0, 0x0001F07C
    cfc1 $t0, $28
    CHECK_EQ $t0, 0x00000007    /* FS, RM = 3 */
    /* enables without causes, and the read-only bits 22:18 */
    SET_FCSR 0x007C0F80
    CHECK_FCSR 0x00000F80
    cfc1 $t0, $28
    CHECK_EQ $t0, 0x00000F80
    cfc1 $t0, $26
    CHECK_EQ $t0, 0
    /* FCCR writes only the condition codes */
    SET_FCSR 0x00000F80
    li $t0, 0x3C
    ctc1 $t0, $25
    CHECK_FCSR 0x3C000F80       /* FCC2-5: bits 26-29 */
    li $t0, 0x01
    ctc1 $t0, $25
    CHECK_FCSR 0x00800F80       /* FCC0: bit 23 */
    /* FEXR writes Cause and Flags only (no enable is set now) */
    SET_FCSR 0x00800003
    li $t0, 0x0001F07C          /* all of Cause but E, all of Flags */
    ctc1 $t0, $26
    CHECK_FCSR 0x0081F07F
    /* FENR writes Enables, FS (from bit 2) and RM */
    SET_FCSR 0
    li $t0, 0x00000006          /* FS, RM = RP */
    ctc1 $t0, $28
    CHECK_FCSR 0x01000002
    li $t0, 0x00000101
    ctc1 $t0, $28
    CHECK_FCSR 0x00000101       /* enable U, RM = RZ, FS cleared */
    /* Cause: replaced by each arithmetic instruction; Flags: the OR of them */
    SET_FCSR 0
    LI_S $f2, 0x3F800000        /* 1 */
    LI_S $f4, 0x40400000        /* 3 */
    div.s $f0, $f2, $f4         /* inexact */
    CHECK_FCSR (FCAUSE(FX_I) | FFLAG(FX_I))
    LI_S $f6, 0
    div.s $f0, $f2, $f6         /* 1 / 0 */
    CHECK_FCSR (FCAUSE(FX_Z) | FFLAG(FX_I | FX_Z))
    add.s $f0, $f2, $f2         /* exact: Cause = 0 */
    CHECK_FCSR FFLAG(FX_I | FX_Z)
    div.s $f0, $f6, $f6         /* 0 / 0 */
    CHECK_FCSR (FCAUSE(FX_V) | FFLAG(FX_I | FX_Z | FX_V))
    c.eq.s $f2, $f2             /* a compare is arithmetic too: Cause = 0 */
    CHECK_FCSR (FCSR_FCC0 | FFLAG(FX_I | FX_Z | FX_V))
    /* the rounding mode in RM acts at once */
    SET_FCSR RM_RP
    div.s $f0, $f2, $f4
    CHECK_S $f0, 0x3EAAAAAB     /* 1/3 rounded up */
    SET_FCSR RM_RZ
    div.s $f0, $f2, $f4
    CHECK_S $f0, 0x3EAAAAAA     /* toward zero */
    SET_FCSR 0
UTEST_END

/*
 * The MT ASE on a CPU without it (the default 24Kf: Config3.MT = 0): dvpe,
 * evpe, dmt, emt, mftr and mttr are Reserved Instructions (MIPS MT ASE,
 * MD00378, each instruction's "Exceptions": Reserved Instruction if the MT
 * ASE is not implemented), with the destination register unchanged. The
 * words are Linux's (arch/mips/include/asm/mipsmtregs.h) with $t2 as the
 * register; -cpu 34Kf executes them (monitor/mt.c, tests/unit/test_mt.c).
 */
#include "kernel_util.h"
    .macro RI_CASE n, word
    li $t1, 0x5555AAAA
    move $t2, $t1
1:  .word \word
    CHECK_REG $t2, $t1
    CHECK_EXC_AT \n, X_RI, 1b, 0x180
    .endm
TEST_BEGIN 40, 8
    RI_CASE 1, 0x416A0001          /* dvpe $t2 */
    RI_CASE 2, 0x416A0021          /* evpe $t2 */
    RI_CASE 3, 0x416A0BC1          /* dmt $t2 */
    RI_CASE 4, 0x416A0BE1          /* emt $t2 */
    RI_CASE 5, 0x41025001          /* mftr $t2, TCStatus (mftc0 2,1) */
    RI_CASE 6, 0x411D5020          /* mftr $t2, GPR 29 (mftgpr) */
    RI_CASE 7, 0x418A1001          /* mttr $t2, TCStatus (mttc0 2,1) */
    RI_CASE 8, 0x418AE820          /* mttr $t2, GPR 29 (mttgpr) */
TEST_END

/*
 * No coprocessor 2 (Config1.C2 = 0, Status.CU2 = 0): COP2 operations and
 * LWC2/SWC2/LDC2/SDC2 raise Coprocessor Unusable with Cause.CE = 2 (ISA
 * COP2/LWC2: "Coprocessor Unusable"; PRA 6.2.17).
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 1, 2
    .macro CPU2_CASE n, word
1:  .word \word
    CHECK_EXC_AT \n, X_CPU, 1b, 0x180
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x3000007C, (0x20000000 | (X_CPU << 2))
    .endm
TEST_BEGIN 31, 7
    la $s0, buf
    CPU2_CASE 1, 0x4A000000        /* COP2 co-op 0 */
    CPU2_CASE 2, 0x480A0000        /* mfc2 $t2, $0 */
    CPU2_CASE 3, 0xCA000000        /* lwc2 $0, 0($s0) */
    CPU2_CASE 4, 0xEA000000        /* swc2 $0, 0($s0) */
    CPU2_CASE 5, 0xDA000000        /* ldc2 */
    CPU2_CASE 6, 0xFA000000        /* sdc2 */
    /* a later CpU for COP1 reports CE = 1 again (CE is rewritten) */
1:  .word 0x46000000
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, 0x3000007C, (0x10000000 | (X_CPU << 2))
TEST_END

/*
 * DIV/DIVU by zero and INT_MIN / -1 leave HI/LO UNPREDICTABLE and raise no
 * exception (ISA DIV: "If the divisor in GPR rt is zero, the arithmetic
 * result value is UNPREDICTABLE"; "No arithmetic exception occurs under
 * any circumstances"). This model defines them (dbt/internal.h) and must
 * not fault on the host:
 *   div by 0:  HI = rs, LO = 0xFFFFFFFF if rs >= 0 else 1
 *   divu by 0: HI = rs, LO = 0xFFFFFFFF
 *   INT_MIN / -1: LO = 0x80000000, HI = 0
 * Ordinary divisions round toward zero, remainder with the dividend's sign.
 */
#include "kernel_util.h"
    .macro DIVCHK insn, a, b, lo, hi
    li $t0, \a
    li $t1, \b
    \insn $zero, $t0, $t1
    mflo $t2
    mfhi $t3
    CHECK_EQ $t2, \lo
    CHECK_EQ $t3, \hi
    .endm
TEST_BEGIN 23
    DIVCHK div, 5, 0, 0xFFFFFFFF, 5
    DIVCHK div, -7, 0, 1, 0xFFFFFFF9
    DIVCHK div, 0, 0, 0xFFFFFFFF, 0
    DIVCHK div, 0x80000000, 0, 1, 0x80000000
    DIVCHK divu, 0x80000000, 0, 0xFFFFFFFF, 0x80000000
    DIVCHK divu, 0, 0, 0xFFFFFFFF, 0
    DIVCHK div, 0x80000000, -1, 0x80000000, 0
    /* defined cases */
    DIVCHK div, -7, 2, 0xFFFFFFFD, 0xFFFFFFFF
    DIVCHK div, 7, -2, 0xFFFFFFFD, 1
    DIVCHK divu, 0x80000000, 0xFFFFFFFF, 0, 0x80000000
    DIVCHK div, 0x80000000, 1, 0x80000000, 0
    CHECK_EXC EXC_COUNT, 0
TEST_END

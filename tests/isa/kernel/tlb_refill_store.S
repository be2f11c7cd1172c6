/*
 * TLB refill on a store (PRA 6.2.5): ExcCode TLBS (3), refill vector
 * EBase + 0x000 with EXL = 0, BadVAddr, EntryHi.VPN2 (ASID kept),
 * Context.BadVPN2; covers sw, sh and sb, and swl which reports the
 * address it was given (ISA SWL: vAddr).
 */
#include "kernel_util.h"
TEST_BEGIN 25, 4
    SET_ASID 0x07
    li $s0, 0x00FF3000
s1: sw $zero, 8($s0)
    CHECK_EXC_AT 1, X_TLBS, s1, 0x000
    addiu $t0, $s0, 8
    CHECK_EXC_REG EXC_BADVADDR, $t0
    CHECK_EXC EXC_ENTRYHI, 0x00FF2007
    EXC_LOAD $t0, EXC_CONTEXT
    CHECK_MASK $t0, 0x007FFFFF, (0x00FF2000 >> 9)
s2: sh $zero, 0x1002($s0)
    CHECK_EXC_AT 2, X_TLBS, s2, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00FF4002
    CHECK_EXC EXC_ENTRYHI, 0x00FF4007
s3: sb $zero, -1($s0)
    CHECK_EXC_AT 3, X_TLBS, s3, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00FF2FFF
    CHECK_EXC EXC_ENTRYHI, 0x00FF2007
s4: swl $zero, 0x203($s0)
    CHECK_EXC_AT 4, X_TLBS, s4, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00FF3203
    /* the current ASID is unchanged by the exceptions */
    mfc0 $t0, C0_ENTRYHI
    CHECK_MASK $t0, 0xFF, 0x07
TEST_END

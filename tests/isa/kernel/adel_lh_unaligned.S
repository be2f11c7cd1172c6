/*
 * AdEL on misaligned halfword loads (ISA LH/LHU: "if vAddr[0] != 0 then
 * SignalException(AddressError)"), and ll on a non-word-aligned address
 * (ISA LL: vAddr[1..0] != 0 -> AddressError). PRA 6.2.8: ExcCode AdEL,
 * BadVAddr = failing address, EPC = the instruction; byte loads never fault.
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0x8899AABB
TEST_BEGIN 23, 3
    la $s0, buf
    li $t1, 0x5A5A5A5A
    move $t0, $t1
l1: lh $t0, 1($s0)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 1, X_ADEL, l1, 0x180
    addiu $t2, $s0, 1
    CHECK_EXC_REG EXC_BADVADDR, $t2

l2: lhu $t0, 3($s0)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 2, X_ADEL, l2, 0x180
    addiu $t2, $s0, 3
    CHECK_EXC_REG EXC_BADVADDR, $t2

l3: .word 0xC2080002               /* ll $t0, 2($s0), hand-encoded: gas may put a sync before ll */
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 3, X_ADEL, l3, 0x180
    addiu $t2, $s0, 2
    CHECK_EXC_REG EXC_BADVADDR, $t2

    /* aligned halfwords and any byte are fine */
    lh $t0, 2($s0)
    CHECK_EQ $t0, 0xFFFF8899
    lhu $t0, 0($s0)
    CHECK_EQ $t0, 0xAABB
    lb $t0, 3($s0)
    CHECK_EQ $t0, 0xFFFFFF88
    lbu $t0, 1($s0)
    CHECK_EQ $t0, 0xAA
    CHECK_EXC EXC_COUNT, 3
TEST_END

/*
 * AdEL on a misaligned word load (ISA LW: "if vAddr[1..0] != 0 then
 * SignalException(AddressError)"; PRA 6.2.8 Address Error Exception):
 * ExcCode = AdEL (4), EPC = the load, BadVAddr = the failing virtual address,
 * Status.EXL set while handling, general vector (+0x180), destination not
 * written. Checked for each of the three misalignments and for lwc-free lw
 * through kseg1 as well.
 */
#include "kernel_util.h"
    .data
    .align 4
word: .word 0x11223344, 0x55667788
TEST_BEGIN 29, 4
    la $s0, word
    li $t1, 0xCAFE0001
    move $t0, $t1
l1: lw $t0, 1($s0)
    CHECK_REG $t0, $t1                 /* destination not written */
    CHECK_EXC_AT 1, X_ADEL, l1, 0x180
    addiu $t2, $s0, 1
    CHECK_EXC_REG EXC_BADVADDR, $t2
    CHECK_EXL_SET
    CHECK_BD 0

l2: lw $t0, 2($s0)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 2, X_ADEL, l2, 0x180
    addiu $t2, $s0, 2
    CHECK_EXC_REG EXC_BADVADDR, $t2

l3: lw $t0, 7($s0)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 3, X_ADEL, l3, 0x180
    addiu $t2, $s0, 7
    CHECK_EXC_REG EXC_BADVADDR, $t2

    /* the same through kseg1 (unmapped, uncached): still an address error */
    li $t3, 0x20000000
    or $s1, $s0, $t3
l4: lw $t0, 3($s1)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 4, X_ADEL, l4, 0x180
    addiu $t2, $s1, 3
    CHECK_EXC_REG EXC_BADVADDR, $t2

    /* an aligned load still works and raises nothing */
    lw $t0, 4($s0)
    CHECK_EQ $t0, 0x55667788
    CHECK_EXC EXC_COUNT, 4
    /* Status.EXL is clear again after eret */
    mfc0 $t0, C0_STATUS
    CHECK_MASK $t0, S_EXL, 0
TEST_END

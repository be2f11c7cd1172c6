/*
 * AdES on misaligned stores (ISA SW/SH/SC: misaligned vAddr ->
 * AddressError; PRA 6.2.8: a store reports AdES, ExcCode 5). BadVAddr is
 * the failing address, EPC the store, and memory is not modified.
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0x01020304, 0x05060708
TEST_BEGIN 26, 4
    la $s0, buf
    li $t0, 0xFFFFFFFF
s1: sw $t0, 1($s0)
    CHECK_EXC_AT 1, X_ADES, s1, 0x180
    addiu $t2, $s0, 1
    CHECK_EXC_REG EXC_BADVADDR, $t2
    CHECK_EXL_SET

s2: sw $t0, 6($s0)
    CHECK_EXC_AT 2, X_ADES, s2, 0x180
    addiu $t2, $s0, 6
    CHECK_EXC_REG EXC_BADVADDR, $t2

s3: sh $t0, 3($s0)
    CHECK_EXC_AT 3, X_ADES, s3, 0x180
    addiu $t2, $s0, 3
    CHECK_EXC_REG EXC_BADVADDR, $t2

    /* sc to a misaligned address: address error on a store */
    ll $t1, 0($s0)
    li $t1, 0x77
s4: sc $t1, 5($s0)
    CHECK_EXC_AT 4, X_ADES, s4, 0x180
    addiu $t2, $s0, 5
    CHECK_EXC_REG EXC_BADVADDR, $t2

    /* memory untouched */
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x01020304
    lw $t1, 4($s0)
    CHECK_EQ $t1, 0x05060708
    /* swl/swr never raise alignment errors (ISA SWL/SWR) */
    swl $t0, 1($s0)
    swr $t0, 6($s0)
    CHECK_EXC EXC_COUNT, 4
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x0102FFFF
    lw $t1, 4($s0)
    CHECK_EQ $t1, 0xFFFF0708
TEST_END

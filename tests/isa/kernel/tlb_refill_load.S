/*
 * TLB refill on a load (PRA 6.2.5 "TLB Refill Exception"; 4.9 address
 * translation): a kuseg address with no matching TLB entry, Status.EXL = 0
 * -> ExcCode TLBL (2) at the refill vector EBase + 0x000. BadVAddr = the
 * address, EPC = the load, Context.BadVPN2 = VA[31:13], EntryHi.VPN2 =
 * VA[31:13] with the ASID unchanged (PRA 9.5, 9.13), destination unwritten.
 */
#include "kernel_util.h"
TEST_BEGIN 17, 2
    SET_ASID 0x2A
    li $s0, 0x12345678 & ~3        /* kuseg, nothing mapped */
    li $t1, 0xDEAD
    move $t0, $t1
l1: lw $t0, 0($s0)
    CHECK_REG $t0, $t1
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC_REG EXC_BADVADDR, $s0
    CHECK_EXC EXC_ENTRYHI, 0x1234402A  /* VA[31:13] | ASID */
    EXC_LOAD $t2, EXC_CONTEXT
    CHECK_MASK $t2, 0x007FFFFF, (0x12344000 >> 9)  /* BadVPN2 in bits 22:4 */
    CHECK_EXL_SET
    CHECK_BD 0
    /* also from lb and lhu at another page */
    li $s0, 0x7FFFE001
l2: lbu $t0, 0($s0)
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    CHECK_EXC_REG EXC_BADVADDR, $s0
    CHECK_EXC EXC_ENTRYHI, 0x7FFFE02A
    CHECK_REG $t0, $t1
TEST_END

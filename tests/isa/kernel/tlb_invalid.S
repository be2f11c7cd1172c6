/*
 * TLB invalid (PRA 6.2.6 "TLB Invalid Exception"): the address matches an
 * entry whose V bit is 0 for the selected (even/odd) page. ExcCode TLBL for
 * loads/fetches, TLBS for stores, and the general vector (+0x180) even with
 * EXL = 0 (only a miss uses the refill vector). BadVAddr, EntryHi.VPN2 and
 * Context.BadVPN2 are loaded. The valid half of the pair still works.
 */
#include "kernel_util.h"
    .data
    .balign 4096
page: .space 4096
TEST_BEGIN 20, 3
    SET_ASID 0x11
    la $t0, page
    li $t1, 0x600DF00D
    sw $t1, 0x10($t0)
    PA_LO $t2, $t0, LO_VDG         /* even page valid */
    li $t3, (LO_C3 | LO_D | LO_G)  /* odd page V = 0 */
    li $s0, 0x00200000
    TLB_WRITE_R 3, $s0, $t2, $t3, PM_4K
    SET_ASID 0x11

    lw $t4, 0x10($s0)              /* even page: hit */
    CHECK_EQ $t4, 0x600DF00D
    CHECK_EXC EXC_COUNT, 0

    li $t5, 0x12
    move $t4, $t5
l1: lw $t4, 0x1010($s0)            /* odd page: invalid */
    CHECK_REG $t4, $t5
    CHECK_EXC_AT 1, X_TLBL, l1, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00201010
    CHECK_EXC EXC_ENTRYHI, 0x00200011
    EXC_LOAD $t6, EXC_CONTEXT
    CHECK_MASK $t6, 0x007FFFFF, (0x00200000 >> 9)

s1: sw $t5, 0x1FFC($s0)            /* store to the invalid page */
    CHECK_EXC_AT 2, X_TLBS, s1, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00201FFC

    /* an entry with both halves invalid */
    li $t2, (LO_C3 | LO_D | LO_G)
    li $s1, 0x00A00000
    TLB_WRITE_R 4, $s1, $t2, $t2, PM_4K
    SET_ASID 0x11
l2: lb $t4, 0($s1)
    CHECK_EXC_AT 3, X_TLBL, l2, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00A00000
TEST_END

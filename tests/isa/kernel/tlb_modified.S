/*
 * TLB modified (PRA 6.2.7 "TLB Modified Exception"): a store to a valid
 * page whose D (dirty/write-enable) bit is 0. ExcCode Mod (1), general
 * vector, BadVAddr = store address, EntryHi.VPN2 = VA[31:13] (ASID kept),
 * memory not written. Loads from the same page succeed; a page with D = 1
 * in the same pair accepts stores.
 */
#include "kernel_util.h"
    .data
    .balign 4096
page: .space 8192
TEST_BEGIN 16, 2
    la $t0, page
    li $t1, 0x0BADCAFE
    sw $t1, 0x20($t0)
    PA_LO $t2, $t0, (LO_C3 | LO_V | LO_G)     /* even: read-only */
    addiu $t3, $t2, (1 << 6) + LO_D           /* odd: next page, writable */
    li $s0, 0x00300000
    TLB_WRITE_R 5, $s0, $t2, $t3, PM_4K
    SET_ASID 0x33

    lw $t4, 0x20($s0)
    CHECK_EQ $t4, 0x0BADCAFE
    li $t5, 0x12345678
s1: sw $t5, 0x20($s0)
    CHECK_EXC_AT 1, X_MOD, s1, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00300020
    CHECK_EXC EXC_ENTRYHI, 0x00300033
    CHECK_BD 0
    lw $t4, 0x20($t0)              /* memory unchanged */
    CHECK_EQ $t4, 0x0BADCAFE
s2: sb $t5, 0xFFF($s0)             /* byte store: also Mod */
    CHECK_EXC_AT 2, X_MOD, s2, 0x180
    CHECK_EXC EXC_BADVADDR, 0x00300FFF
    /* the odd page is writable */
    sw $t5, 0x1004($s0)
    lw $t4, 0x1004($t0)
    CHECK_EQ $t4, 0x12345678
    CHECK_EXC EXC_COUNT, 2
TEST_END

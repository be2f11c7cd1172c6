/*
 * LL/SC through the TLB (ISA LL/SC). SC's operation is
 *   if vAddr[1..0] != 0 then SignalException(AddressError)
 *   (pAddr, CCA) <- AddressTranslation(vAddr, DATA, STORE)
 *   if LLbit then StoreMemory(...) endif
 *   GPR[rt] <- 0^31 || LLbit
 * so the store translation - and its TLB Refill / TLB Modified exceptions -
 * happens whether or not LLbit is set. Checked: ll/sc through a writable
 * mapped page succeeds; sc with LLbit = 1 to a clean (D = 0) page raises
 * Mod and leaves rt and memory alone; sc with LLbit = 0 (after an eret)
 * to an unmapped address raises TLBS (refill) and to the clean page Mod.
 */
#include "kernel_util.h"
    .data
    .balign 4096
page: .word 5
    .space 4092
TEST_BEGIN 20, 3
    la $t0, page
    PA_LO $t1, $t0, LO_VDG                 /* even: writable */
    PA_LO $t2, $t0, (LO_C3 | LO_V | LO_G)  /* odd: same page, clean */
    li $s0, 0x00A00000
    TLB_WRITE_R 1, $s0, $t1, $t2, PM_4K
    li $t9, 0x1000
    addu $s1, $s0, $t9                     /* the clean alias */

    ll $t3, 0($s0)
    CHECK_EQ $t3, 5
    addiu $t3, $t3, 1
    sc $t3, 0($s0)
    CHECK_EQ $t3, 1
    lw $t4, 0($s0)
    CHECK_EQ $t4, 6

    ll $t3, 0($s1)                 /* loads from the clean page are fine */
    CHECK_EQ $t3, 6
    li $t3, 99
s1: sc $t3, 0($s1)                 /* LLbit = 1, D = 0: Mod */
    CHECK_EXC_AT 1, X_MOD, s1, 0x180
    CHECK_EQ $t3, 99
    lw $t4, 0($s0)
    CHECK_EQ $t4, 6

    /* LLbit is 0 now (the handler's eret cleared it) */
    li $t3, 77
s2: sc $t3, 0($s1)
    CHECK_EXC_AT 2, X_MOD, s2, 0x180
    li $s2, 0x00C00010
    li $t3, 77
s3: sc $t3, 0($s2)
    CHECK_EXC_AT 3, X_TLBS, s3, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00C00010
    lw $t4, 0($s0)
    CHECK_EQ $t4, 6
TEST_END

/*
 * ASID matching (PRA 4.9: an entry matches if VPN2 matches and "TLB[i].G =
 * 1 or TLB[i].ASID = EntryHi.ASID"). A non-global entry is ignored under
 * another ASID (refill at vector 0x000, and EntryHi keeps the current
 * ASID with the faulting VPN2); a global entry matches under any ASID.
 */
#include "kernel_util.h"
#define PA1 0x00700000
TEST_BEGIN 22, 3
    li $s0, 0x80000000 | PA1
    li $t0, 0xA51DA51D
    sw $t0, 0($s0)
    /* non-global entry for ASID 0x42 at VA 0x00020000 */
    TLB_WRITE 3, 0x00020042, ((PA1 >> 12) << 6) | LO_C3 | LO_D | LO_V, ((PA1 >> 12) << 6) | LO_C3 | LO_D | LO_V, PM_4K
    /* global entry at VA 0x00040000 (written under ASID 0x42, G in both halves) */
    TLB_WRITE 4, 0x00040042, ((PA1 >> 12) << 6) | LO_VDG, ((PA1 >> 12) << 6) | LO_VDG, PM_4K
    li $s1, 0x00020000
    li $s2, 0x00040000
    SET_ASID 0x42
    lw $t1, 0($s1)
    CHECK_EQ $t1, 0xA51DA51D
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xA51DA51D
    CHECK_EXC EXC_COUNT, 0

    SET_ASID 0x43
    li $t2, 0x0000DEAD
    move $t1, $t2
l1: lw $t1, 0x10($s1)              /* ASID mismatch: refill */
    CHECK_REG $t1, $t2
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC EXC_ENTRYHI, 0x00020043
    lw $t1, 0($s2)                 /* global: hit */
    CHECK_EQ $t1, 0xA51DA51D
s1: sw $zero, 0($s1)
    CHECK_EXC_AT 2, X_TLBS, s1, 0x000
    lw $t3, 0($s0)
    CHECK_EQ $t3, 0xA51DA51D       /* not written */

    SET_ASID 0x00
l3: lw $t1, 0($s1)
    CHECK_EXC_AT 3, X_TLBL, l3, 0x000
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xA51DA51D
    /* and back: hit again */
    SET_ASID 0x42
    lw $t1, 0($s1)
    CHECK_EQ $t1, 0xA51DA51D
    CHECK_EXC EXC_COUNT, 3
TEST_END

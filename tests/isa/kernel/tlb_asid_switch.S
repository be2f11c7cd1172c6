/*
 * Address-space switch by writing EntryHi.ASID (PRA 9.13, 4.9): two
 * non-global entries with the same VPN2 and different ASIDs map the same
 * VA to different physical pages; the data seen follows the current ASID
 * immediately after the mtc0 + ehb, in both directions and for stores.
 */
#include "kernel_util.h"
#define PA_A 0x00710000
#define PA_B 0x00720000
TEST_BEGIN 15, 2
    li $s0, 0x80000000 | PA_A
    li $s1, 0x80000000 | PA_B
    li $t0, 0xAAAA0001
    sw $t0, 0x40($s0)
    li $t0, 0xBBBB0002
    sw $t0, 0x40($s1)
    TLB_WRITE 6, 0x00050001, ((PA_A >> 12) << 6) | LO_C3 | LO_D | LO_V, 0, PM_4K
    TLB_WRITE 7, 0x00050002, ((PA_B >> 12) << 6) | LO_C3 | LO_D | LO_V, 0, PM_4K
    li $s2, 0x00050040
    SET_ASID 1
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xAAAA0001
    SET_ASID 2
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xBBBB0002
    SET_ASID 1
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xAAAA0001
    li $t2, 0x11111111
    sw $t2, 4($s2)                 /* into A */
    SET_ASID 2
    li $t2, 0x22222222
    sw $t2, 4($s2)                 /* into B */
    lw $t3, 0x44($s0)
    CHECK_EQ $t3, 0x11111111
    lw $t3, 0x44($s1)
    CHECK_EQ $t3, 0x22222222
    /* the odd page of both entries is invalid */
l1: lw $t1, 0x1000($s2)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x180
    /* a third ASID sees nothing */
    SET_ASID 3
l2: lw $t1, 0($s2)
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    /* rewriting entry 7 under ASID 2 with another page takes effect */
    SET_ASID 2
    lw $t1, 0($s2)                 /* warm any cached translation */
    CHECK_EQ $t1, 0xBBBB0002
    TLB_WRITE 7, 0x00050002, ((PA_A >> 12) << 6) | LO_C3 | LO_D | LO_V, 0, PM_4K
    SET_ASID 2
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xAAAA0001
TEST_END

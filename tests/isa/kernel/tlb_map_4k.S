/*
 * Mapped kuseg access with 4 KiB pages (PRA 4.9 "TLB address translation":
 * VPN2 = VA[31:13] selects the entry, VA[12] selects EntryLo0 (even) or
 * EntryLo1 (odd), PA = PFN || VA[11:0]). Loads and stores go through the
 * mapping both ways and agree with the kseg0 view of the same physical
 * memory; the pair's pages need not be physically adjacent.
 */
#include "kernel_util.h"
#define PA_EVEN 0x00600000
#define PA_ODD 0x00655000
TEST_BEGIN 11, 1
    li $s0, 0x80000000 | PA_EVEN
    li $s1, 0x80000000 | PA_ODD
    li $t0, 0xEEEE0000
    sw $t0, 0x123C($s0)            /* wrong page: must not be seen */
    li $t0, 0xEEEE0001
    sw $t0, 0x23C($s0)
    li $t0, 0x0DD00001
    sw $t0, 0x23C($s1)
    sw $zero, 0xFFC($s1)
    TLB_WRITE 1, 0x00010000, ((PA_EVEN >> 12) << 6) | LO_VDG, ((PA_ODD >> 12) << 6) | LO_VDG, PM_4K
    li $s2, 0x00010000
    lw $t1, 0x23C($s2)
    CHECK_EQ $t1, 0xEEEE0001
    lw $t1, 0x123C($s2)            /* odd page */
    CHECK_EQ $t1, 0x0DD00001
    /* store through the mapping, read through kseg0 */
    li $t2, 0x51515151
    sw $t2, 0x1FFC($s2)
    lw $t3, 0xFFC($s1)
    CHECK_EQ $t3, 0x51515151
    sh $t2, 0x10($s2)
    lhu $t3, 0x10($s0)
    CHECK_EQ $t3, 0x5151
    /* byte access at the last byte of the even page and first of the odd */
    li $t2, 0xA5
    sb $t2, 0xFFF($s2)
    lbu $t3, 0xFFF($s0)
    CHECK_EQ $t3, 0xA5
    li $t2, 0x5A
    sb $t2, 0x1000($s2)
    lbu $t3, 0($s1)
    CHECK_EQ $t3, 0x5A
    /* the next VPN2 is not mapped */
l1: lw $t1, 0x2000($s2)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00012000
TEST_END

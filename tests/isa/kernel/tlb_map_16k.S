/*
 * 16 KiB pages (PageMask 0x6000; PRA 4.9 and table of PageMask values):
 * one entry maps 32 KiB; VA[14] picks the even/odd page and VA[13:0] is the
 * offset. PFNs are 16 KiB aligned here.
 */
#include "kernel_util.h"
#define PA_EVEN 0x00400000
#define PA_ODD 0x00484000
TEST_BEGIN 13, 2
    li $s0, 0x80000000 | PA_EVEN
    li $s1, 0x80000000 | PA_ODD
    li $t0, 0x16161616
    sw $t0, 0x3FFC($s0)            /* last word of the even page */
    li $t0, 0x61616161
    sw $t0, 0x0000($s1)            /* first word of the odd page */
    li $t0, 0x2222AAAA
    sw $t0, 0x2000($s0)            /* VA bit 13 set: still the even page */
    TLB_WRITE 4, 0x00808000, ((PA_EVEN >> 12) << 6) | LO_VDG, ((PA_ODD >> 12) << 6) | LO_VDG, PM_16K
    li $s2, 0x00808000
    lw $t1, 0x3FFC($s2)
    CHECK_EQ $t1, 0x16161616
    lw $t1, 0x4000($s2)
    CHECK_EQ $t1, 0x61616161
    lw $t1, 0x2000($s2)
    CHECK_EQ $t1, 0x2222AAAA
    li $t2, 0x0BEEF000
    sw $t2, 0x7FFC($s2)
    lw $t3, 0x3FFC($s1)
    CHECK_EQ $t3, 0x0BEEF000
    /* just below and just above the 32 KiB region: misses */
l1: lw $t1, -4($s2)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    li $t9, 0x8000
    addu $s3, $s2, $t9
l2: lw $t1, 0($s3)
    CHECK_EXC_AT 2, X_TLBL, l2, 0x000
    CHECK_EXC EXC_BADVADDR, 0x00810000
TEST_END

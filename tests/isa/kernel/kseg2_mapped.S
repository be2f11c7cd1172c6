/*
 * kseg2 (0xC0000000-0xDFFFFFFF) and kseg3 (0xE0000000-) are mapped in
 * kernel mode (PRA 4.3 "Virtual memory segments", table "Kernel mode"):
 * without an entry, an access takes a TLB refill to vector 0x000 (EXL = 0)
 * with BadVAddr and EntryHi.VPN2 set; with an entry it translates like
 * kuseg.
 */
#include "kernel_util.h"
#define PA1 0x00750000
TEST_BEGIN 19, 3
    li $s0, 0x80000000 | PA1
    li $t0, 0xC0C0C0C0
    sw $t0, 8($s0)
    li $s1, 0xC0001000
l1: lw $t1, 8($s1)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC EXC_BADVADDR, 0xC0001008
    EXC_LOAD $t2, EXC_ENTRYHI
    CHECK_MASK $t2, 0xFFFFE000, 0xC0000000
    TLB_WRITE 0, 0xC0000000, 0, ((PA1 >> 12) << 6) | LO_VDG, PM_4K
    lw $t1, 8($s1)                 /* odd page */
    CHECK_EQ $t1, 0xC0C0C0C0
l2: lw $t1, -0x1000($s1)          /* 0xC0000000 */
    CHECK_EXC_AT 2, X_TLBL, l2, 0x180   /* even page: invalid (lo0 = 0) */
    li $s2, 0xE0002000             /* kseg3 */
s3: sw $zero, 0($s2)
    CHECK_EXC_AT 3, X_TLBS, s3, 0x000
    CHECK_EXC EXC_BADVADDR, 0xE0002000
    TLB_WRITE 1, 0xFFFFE000, ((PA1 >> 12) << 6) | LO_VDG, 0, PM_4K
    li $s3, 0xFFFFE000
    lw $t1, 8($s3)
    CHECK_EQ $t1, 0xC0C0C0C0
    li $t2, 0x3E3E3E3E
    sw $t2, 12($s3)
    lw $t3, 12($s0)
    CHECK_EQ $t3, 0x3E3E3E3E
    CHECK_EXC EXC_COUNT, 3
TEST_END

/*
 * 1 MiB pages (PageMask 0x1FE000; PRA 4.9): one entry maps 2 MiB; VA[20]
 * selects even/odd, VA[19:0] is the offset. Also checks that tlbp and a
 * refill outside the region behave.
 */
#include "kernel_util.h"
#define PA_EVEN 0x00800000
#define PA_ODD 0x00A00000
TEST_BEGIN 8, 1
    li $s0, 0x80000000 | PA_EVEN
    li $s1, 0x80000000 | PA_ODD
    li $t0, 0x1E1E1E1E
    li $t9, 0xFFFFC
    addu $t8, $s0, $t9
    sw $t0, 0($t8)                 /* last word of the even MiB */
    li $t0, 0x0D0D0D0D
    sw $t0, 0x4($s1)
    TLB_WRITE 10, 0x04000000, ((PA_EVEN >> 12) << 6) | LO_VDG, ((PA_ODD >> 12) << 6) | LO_VDG, PM_1M
    li $s2, 0x04000000
    li $t9, 0xFFFFC
    addu $t8, $s2, $t9
    lw $t1, 0($t8)
    CHECK_EQ $t1, 0x1E1E1E1E
    li $t9, 0x100004
    addu $t8, $s2, $t9
    lw $t1, 0($t8)
    CHECK_EQ $t1, 0x0D0D0D0D
    /* store in the middle of the odd page */
    li $t9, 0x1ABCD0
    addu $t8, $s2, $t9
    li $t2, 0x77665544
    sw $t2, 0($t8)
    li $t9, 0x0ABCD0
    addu $t8, $s1, $t9
    lw $t3, 0($t8)
    CHECK_EQ $t3, 0x77665544
    /* 2 MiB further: miss */
    li $t9, 0x200000
    addu $t8, $s2, $t9
l1: lw $t1, 0($t8)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x000
    CHECK_EXC EXC_BADVADDR, 0x04200000
TEST_END

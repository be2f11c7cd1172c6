/*
 * 16 MiB pages (PageMask 0x1FFE000; PRA 4.9): one entry maps 32 MiB; VA[24]
 * selects even/odd. The even page maps all 16 MiB of RAM at VA 0x02000000,
 * so this program's own data is visible there at its physical address; the
 * odd page is invalid (V = 0) and gives TLBL at the general vector.
 */
#include "kernel_util.h"
    .data
    .align 4
val: .word 0x16161616
TEST_BEGIN 9, 1
    TLB_WRITE 11, 0x02000000, (0 << 6) | LO_VDG, (0x1000 << 6) | LO_C3 | LO_G, PM_16M
    la $t0, val
    sll $t1, $t0, 3
    srl $t1, $t1, 3                /* physical address */
    li $t9, 0x02000000
    addu $s0, $t1, $t9             /* mapped alias */
    lw $t2, 0($s0)
    CHECK_EQ $t2, 0x16161616
    li $t3, 0x61616161
    sw $t3, 0($s0)
    lw $t4, 0($t0)
    CHECK_EQ $t4, 0x61616161
    /* top of RAM through the mapping */
    li $t5, 0x80FFFFFC
    li $t6, 0x13579BDF
    sw $t6, 0($t5)
    li $t7, 0x02FFFFFC
    lw $t8, 0($t7)
    CHECK_EQ $t8, 0x13579BDF
    /* odd page invalid */
    li $s1, 0x03000000
l1: lw $t2, 0($s1)
    CHECK_EXC_AT 1, X_TLBL, l1, 0x180
    CHECK_EXC EXC_BADVADDR, 0x03000000
    EXC_LOAD $t2, EXC_ENTRYHI
    CHECK_MASK $t2, 0xFFFFE000, 0x03000000
TEST_END

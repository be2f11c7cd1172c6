/*
 * The remaining page sizes (PRA table of PageMask values): 64 KiB (mask
 * 0x1E000, VA[16] selects even/odd), 256 KiB (0x7E000, VA[18]) and 4 MiB
 * (0x7FE000, VA[22]). For each, a word at the end of the even page and at
 * the start of the odd page is read through the mapping, and the first
 * address past the pair misses.
 */
#include "kernel_util.h"
    .macro SIZE n, idx, va, mask, psize, pa_even, pa_odd
    li $s0, 0x80000000 | \pa_even
    li $s1, 0x80000000 | \pa_odd
    li $t9, \psize - 4
    addu $t8, $s0, $t9
    li $t0, 0xE0000000 + \idx
    sw $t0, 0($t8)
    li $t0, 0x0D000000 + \idx
    sw $t0, 0($s1)
    TLB_WRITE \idx, \va, ((\pa_even >> 12) << 6) | LO_VDG, ((\pa_odd >> 12) << 6) | LO_VDG, \mask
    li $s2, \va + \psize - 4
    lw $t1, 0($s2)
    CHECK_EQ $t1, 0xE0000000 + \idx
    lw $t1, 4($s2)
    CHECK_EQ $t1, 0x0D000000 + \idx
    li $s3, \va + 2 * \psize
1:  lw $t1, 0($s3)
    CHECK_EXC_AT \n, X_TLBL, 1b, 0x000
    .endm
TEST_BEGIN 18, 3
    SIZE 1, 1, 0x01000000, PM_64K, 0x10000, 0x00400000, 0x00430000
    SIZE 2, 2, 0x02000000, PM_256K, 0x40000, 0x00500000, 0x00580000
    SIZE 3, 3, 0x04000000, PM_4M, 0x400000, 0x00800000, 0x00C00000
TEST_END

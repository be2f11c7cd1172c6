/*
 * Duplicate TLB entries. The PRA (4.9, 6.2.10 Machine Check) lets a CPU
 * raise Machine Check when more than one entry matches, or leaves the
 * result UNDEFINED; the 24K does not detect it at tlbwi time. This machine
 * must never raise Machine Check (a host-safe choice: Linux may briefly
 * create duplicates while rewriting entries): writing two entries that
 * match the same VA, then accessing it, gives one of the two mappings and
 * no exception of any kind; tlbp reports one of the two indices.
 */
#include "kernel_util.h"
#define PA_A 0x00730000
#define PA_B 0x00740000
TEST_BEGIN 6
    li $s0, 0x80000000 | PA_A
    li $s1, 0x80000000 | PA_B
    li $t0, 0xAAAAAAAA
    sw $t0, 0($s0)
    li $t0, 0xBBBBBBBB
    sw $t0, 0($s1)
    TLB_WRITE 5, 0x00090000, ((PA_A >> 12) << 6) | LO_VDG, ((PA_A >> 12) << 6) | LO_VDG, PM_4K
    TLB_WRITE 9, 0x00090000, ((PA_B >> 12) << 6) | LO_VDG, ((PA_B >> 12) << 6) | LO_VDG, PM_4K
    /* an overlapping larger page too */
    TLB_WRITE 12, 0x00080000, ((PA_B >> 12) << 6) | LO_VDG, ((PA_B >> 12) << 6) | LO_VDG, PM_64K
    li $s2, 0x00090000
    lw $t1, 0($s2)
    li $t9, 0xAAAAAAAA             /* either mapping, as one check (the count stays exact) */
    xor $t4, $t1, $t9
    sltiu $t4, $t4, 1
    li $t9, 0xBBBBBBBB
    xor $t5, $t1, $t9
    sltiu $t5, $t5, 1
    or $t4, $t4, $t5
    CHECK_EQ $t4, 1
    CHECK_EXC EXC_COUNT, 0
    li $t2, 0x12345678
    sw $t2, 4($s2)
    CHECK_EXC EXC_COUNT, 0
    mtc0 $s2, C0_ENTRYHI
    ehb
    tlbp
    ehb
    mfc0 $t3, C0_INDEX
    CHECK_MASK $t3, 0x80000000, 0      /* found */
    CHECK_RANGE $t3, 0, 15
    CHECK_EXC EXC_COUNT, 0
TEST_END

/*
 * The Index register (PRA 9.3): the Index field has just enough bits for
 * the 16 entries (bits 3:0); higher bits read 0 ("writes are ignored /
 * read as zero"); P (bit 31) is read-only and set only by tlbp. So the
 * UNPREDICTABLE "Index >= number of entries" case of TLBWI/TLBR cannot be
 * reached by mtc0: writing 17 selects entry 1. The model also defines
 * Index >= size as "taken modulo the size" (monitor/cp0.c).
 */
#include "kernel_util.h"
TEST_BEGIN 7
    li $t0, 0x7FFFFFF3
    mtc0 $t0, C0_INDEX
    ehb
    CHECK_C0 C0_INDEX, 0, 3
    li $t0, 17
    mtc0 $t0, C0_INDEX
    ehb
    CHECK_C0 C0_INDEX, 0, 1
    /* tlbwi with "17" writes entry 1 */
    li $t0, 0x00A00011
    mtc0 $t0, C0_ENTRYHI
    li $t0, 0x42
    mtc0 $t0, C0_ENTRYLO0
    mtc0 $t0, C0_ENTRYLO1
    mtc0 $zero, C0_PAGEMASK
    li $t0, 17
    mtc0 $t0, C0_INDEX
    ehb
    tlbwi
    ehb
    tlbp
    ehb
    CHECK_C0 C0_INDEX, 0, 1
    /* P is not writable: a miss sets it, mtc0 Index cannot clear it... */
    li $t0, 0x00B00011
    mtc0 $t0, C0_ENTRYHI
    ehb
    tlbp
    ehb
    mfc0 $t1, C0_INDEX
    CHECK_MASK $t1, 0x80000000, 0x80000000
    li $t0, 2
    mtc0 $t0, C0_INDEX
    ehb
    CHECK_C0 C0_INDEX, 0, 0x80000002
    /* ...tlbwi still uses the Index field */
    li $t0, 0x00C00011
    mtc0 $t0, C0_ENTRYHI
    ehb
    tlbwi
    ehb
    /* a successful probe clears P */
    tlbp
    ehb
    CHECK_C0 C0_INDEX, 0, 2
    /* and mtc0 cannot set it */
    li $t0, 0x80000004
    mtc0 $t0, C0_INDEX
    ehb
    CHECK_C0 C0_INDEX, 0, 4
TEST_END

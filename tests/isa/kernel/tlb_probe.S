/*
 * TLBP (ISA TLBP: "Index <- 1 || UNPREDICTABLE^31" on a miss, "Index <- i"
 * on a match; PRA 9.3 Index.P): a match needs VPN2 equal outside the
 * entry's mask and either G set or an equal ASID. Only bit 31 is checked on
 * a miss. A later hit clears P.
 */
#include "kernel_util.h"
    .macro PROBE hi
    li $t0, \hi
    mtc0 $t0, C0_ENTRYHI
    ehb
    tlbp
    ehb
    mfc0 $t1, C0_INDEX
    .endm
TEST_BEGIN 11
    TLB_WRITE 2, 0x00100005, 0x00000042, 0x00000082, PM_4K      /* ASID 5 */
    TLB_WRITE 9, 0x00200007, 0x00000043, 0x00000083, PM_4K      /* global */
    TLB_WRITE 12, 0x01000009, 0x00000042, 0x00000082, PM_1M     /* 2 MiB pair */
    TLB_WRITE 15, 0x7FFFE0FF, 0x00000042, 0x00000082, PM_4K     /* ASID 0xFF */
    PROBE 0x00100005
    CHECK_EQ $t1, 2
    PROBE 0x00100006               /* other ASID: miss */
    CHECK_MASK $t1, 0x80000000, 0x80000000
    PROBE 0x00102005               /* other VPN2: miss */
    CHECK_MASK $t1, 0x80000000, 0x80000000
    PROBE 0x00200099               /* global: any ASID */
    CHECK_EQ $t1, 9
    PROBE 0x00200000
    CHECK_EQ $t1, 9
    PROBE 0x011FE009               /* inside the 2 MiB pair */
    CHECK_EQ $t1, 12
    PROBE 0x011FE00A               /* same VPN2, wrong ASID */
    CHECK_MASK $t1, 0x80000000, 0x80000000
    PROBE 0x01200009               /* just past it */
    CHECK_MASK $t1, 0x80000000, 0x80000000
    PROBE 0x7FFFE0FF
    CHECK_EQ $t1, 15
    /* tlbp does not change EntryHi or the entries */
    CHECK_C0 C0_ENTRYHI, 0, 0x7FFFE0FF
    CHECK_EXC EXC_COUNT, 0
TEST_END

/*
 * tlbwi / tlbr round trip (ISA TLBWI/TLBR; PRA 9.5-9.7, 9.13): an entry
 * written from EntryHi, EntryLo0, EntryLo1, PageMask reads back into the
 * same registers. The entry's G bit is the AND of the two EntryLo G bits
 * ("TLB[i].G <- EntryLo1.G and EntryLo0.G") and tlbr returns it in both
 * EntryLo registers. Unimplemented register bits read 0: EntryHi 12:8,
 * EntryLo 31:26 (the 24K has a 32-bit physical address: PFN = bits 25:6).
 */
#include "kernel_util.h"
TEST_BEGIN 20
    /* register-level masking */
    li $t0, 0x12347FAB
    mtc0 $t0, C0_ENTRYHI
    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_ENTRYLO0
    mtc0 $t0, C0_ENTRYLO1
    ehb
    CHECK_C0 C0_ENTRYHI, 0, 0x123460AB
    CHECK_C0 C0_ENTRYLO0, 0, 0x03FFFFFF
    CHECK_C0 C0_ENTRYLO1, 0, 0x03FFFFFF

    /* entry 5: 4K pages, both G */
    TLB_WRITE 5, 0x4000A0C5, 0x0012345F, 0x0012349B, PM_4K
    TLB_WRITE 6, 0x00002011, 0x00000007, 0x00000002, PM_16K   /* G only in lo0; VPN2 bit 13 is under the mask */
    mtc0 $zero, C0_ENTRYHI
    mtc0 $zero, C0_ENTRYLO0
    mtc0 $zero, C0_ENTRYLO1
    li $t0, PM_1M
    mtc0 $t0, C0_PAGEMASK
    li $t0, 5
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_ENTRYHI, 0, 0x4000A0C5
    CHECK_C0 C0_ENTRYLO0, 0, 0x0012345F
    CHECK_C0 C0_ENTRYLO1, 0, 0x0012349B
    CHECK_C0 C0_PAGEMASK, 0, PM_4K
    CHECK_C0 C0_INDEX, 0, 5

    li $t0, 6
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_ENTRYHI, 0, 0x00000011   /* ISA TLBR: "EntryHi <- (VPN2 and not Mask) || 0^5 || ASID" */
    CHECK_C0 C0_ENTRYLO0, 0, 0x00000006  /* G = 1 AND 0 = 0 in both */
    CHECK_C0 C0_ENTRYLO1, 0, 0x00000002
    CHECK_C0 C0_PAGEMASK, 0, PM_16K

    /* G set in lo1 only: also 0; in both: 1 in both */
    TLB_WRITE 7, 0x00400022, 0x00000042, 0x00000083, PM_4K
    TLB_WRITE 8, 0x00800033, 0x00000043, 0x00000081, PM_4K
    li $t0, 7
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_ENTRYLO0, 0, 0x00000042
    CHECK_C0 C0_ENTRYLO1, 0, 0x00000082
    CHECK_C0 C0_ENTRYHI, 0, 0x00400022
    li $t0, 8
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_ENTRYLO0, 0, 0x00000043
    CHECK_C0 C0_ENTRYLO1, 0, 0x00000081
    CHECK_C0 C0_ENTRYHI, 0, 0x00800033
    /* entry 5 untouched by the other writes */
    li $t0, 5
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_ENTRYHI, 0, 0x4000A0C5
    CHECK_EXC EXC_COUNT, 0
TEST_END

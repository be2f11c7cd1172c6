/*
 * EBase register fields (PRA 9.40, Release 2): bits 31:30 read as 1 0
 * (the base stays in kseg0/kseg1), bits 29:12 ExceptionBase are R/W, bits
 * 11:10 are 0 - in particular bit 11 (WG in later releases) is not
 * implemented, so Linux's "write WG, read it back" probe sees 0 - and
 * CPUNum (9:0) is read-only (0 on this single CPU). EBase is written with
 * BEV = 1 (changing it while BEV = 0 is UNDEFINED).
 */
#include "kernel_util.h"
    .macro EB wr, rd
    li $t0, \wr
    mtc0 $t0, $15, 1
    ehb
    CHECK_C0 $15, 1, \rd
    .endm
TEST_BEGIN 7
    CHECK_C0 $15, 1, 0x80000000    /* as the crt set it */
    li $t0, (S_CU0 | S_BEV)
    mtc0 $t0, C0_STATUS
    ehb
    EB 0x80010800, 0x80010000      /* WG probe */
    EB 0xFFFFFFFF, 0xBFFFF000
    EB 0x00000000, 0x80000000
    EB 0x400233FF, 0x80023000
    EB 0x80000000, 0x80000000
    KERNEL_STATUS
    rdhwr $t1, $0                  /* CPUNum through rdhwr too */
    CHECK_EQ $t1, 0
TEST_END

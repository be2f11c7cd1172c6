/*
 * PageMask (PRA 9.7 and table "Values for the Mask Field of the PageMask
 * Register"): the legal masks 4K, 16K, 64K, 256K, 1M, 4M, 16M read back
 * exactly; bits 12:0 and 31:25 are 0. Other values are UNPREDICTABLE
 * (PRA: "operation of the TLB is undefined"); the model defines them
 * (monitor/cp0.c): "only the legal masks 4 KiB..16 MiB are kept (any other
 * value is rounded down to the largest legal mask it contains)".
 */
#include "kernel_util.h"
    .macro PM wr, rd
    li $t0, \wr
    mtc0 $t0, C0_PAGEMASK
    ehb
    CHECK_C0 C0_PAGEMASK, 0, \rd
    .endm
TEST_BEGIN 15
    PM PM_16M, PM_16M
    PM PM_4M, PM_4M
    PM PM_1M, PM_1M
    PM PM_256K, PM_256K
    PM PM_64K, PM_64K
    PM PM_16K, PM_16K
    PM PM_4K, PM_4K
    PM 0x00007FFF, PM_16K          /* bits 12:0 dropped */
    PM 0xFE006000, PM_16K          /* bits 31:25 dropped */
    /* model-defined rounding of illegal masks */
    PM 0x00002000, PM_4K
    PM 0x0000E000, PM_16K
    PM 0x00FFE000, PM_4M
    PM 0x0003E000, PM_64K
    PM 0xFFFFFFFF, PM_16M
    /* the mask is kept in the entry by tlbwi and returned by tlbr */
    TLB_WRITE 3, 0x01000000, 0, 0, PM_1M
    li $t0, PM_4K
    mtc0 $t0, C0_PAGEMASK
    li $t0, 3
    mtc0 $t0, C0_INDEX
    ehb
    tlbr
    ehb
    CHECK_C0 C0_PAGEMASK, 0, PM_1M
TEST_END

/*
 * CP0 identity registers of this 24K-class CPU (monitor/monitor.h, PRA
 * 9.32-9.35, 9.41), the default -cpu 24Kf: PRId 0x00019300 (MIPS Technologies,
 * 24K), Config 0x80000482 (M, AR = Release 2, MT = TLB, K0 = 2), Config1
 * 0x9E190C81 (M, MMUSize-1 = 15, FP; no EJTAG/MIPS16/watch; the 24Kc's FP = 0
 * is tests/isa/nofpu/cpu_cu1_readonly), Config2 0x80000000,
 * Config3 0x00002000 (ULRI; M = 0 so no Config4), Config7 reads 0
 * (unimplemented selects read 0 in this model), IntCtl 0xE0000000 (IPTI
 * = 7, no VInt so VS = 0), SRSCtl 0 (no shadow sets). All are read-only:
 * writes are ignored.
 */
#include "kernel_util.h"
TEST_BEGIN 16
    CHECK_C0 C0_PRID, 0, 0x00019300
    CHECK_C0 C0_CONFIG, 0, 0x80000482
    CHECK_C0 C0_CONFIG, 1, 0x9E190C81
    CHECK_C0 C0_CONFIG, 2, 0x80000000
    CHECK_C0 C0_CONFIG, 3, 0x00002000
    CHECK_C0 C0_CONFIG, 7, 0
    CHECK_C0 C0_STATUS, 1, 0xE0000000
    CHECK_C0 C0_STATUS, 2, 0
    /* Config1.MMUSize-1 = 15 -> 16 entries */
    mfc0 $t0, C0_CONFIG, 1
    srl $t0, $t0, 25
    andi $t0, $t0, 0x3F
    CHECK_EQ $t0, 15
    /* writes ignored */
    li $t1, 0xFFFFFFFF
    mtc0 $zero, C0_PRID
    mtc0 $t1, C0_CONFIG, 1
    mtc0 $zero, C0_CONFIG, 2
    mtc0 $t1, C0_CONFIG, 3
    mtc0 $t1, C0_STATUS, 1
    mtc0 $t1, C0_STATUS, 2
    ehb
    CHECK_C0 C0_PRID, 0, 0x00019300
    CHECK_C0 C0_CONFIG, 1, 0x9E190C81
    CHECK_C0 C0_CONFIG, 2, 0x80000000
    CHECK_C0 C0_CONFIG, 3, 0x00002000
    CHECK_C0 C0_STATUS, 1, 0xE0000000
    CHECK_C0 C0_STATUS, 2, 0
    CHECK_EXC EXC_COUNT, 0
TEST_END

/*
 * EXT with pos + size > 32 and INS with msb < lsb are UNPREDICTABLE (ISA
 * EXT: "if (lsb + msbd) > 31 then UNPREDICTABLE"; INS: "if lsb > msb then
 * UNPREDICTABLE"). This model defines them (dbt/internal.h): EXT extracts
 * the bits that exist (bits above 31 read 0); INS leaves rt unchanged. The
 * assembler rejects these forms, so they are encoded by hand:
 *   ext $t1, $t0, lsb 28, msbd 7  = 0x7D093F00
 *   ext $t1, $t0, lsb 1, msbd 31  = 0x7D09F840
 *   ins $t1, $t0, lsb 20, msb 10  = 0x7D095504
 *   ins $t1, $t0, lsb 31, msb 0   = 0x7D0907C4
 */
#include "kernel_util.h"
TEST_BEGIN 7
    li $t0, 0xF1234567
    ext $t1, $t0, 4, 8             /* a legal one */
    CHECK_EQ $t1, 0x56
    li $t1, 0xAAAAAAAA
    .word 0x7D093F00
    CHECK_EQ $t1, 0x0000000F
    li $t1, 0xAAAAAAAA
    .word 0x7D09F840
    CHECK_EQ $t1, 0x7891A2B3
    li $t1, 0xAAAAAAAA
    ins $t1, $t0, 8, 8             /* a legal one */
    CHECK_EQ $t1, 0xAAAA67AA
    li $t1, 0xAAAAAAAA
    .word 0x7D095504
    CHECK_EQ $t1, 0xAAAAAAAA
    .word 0x7D0907C4
    CHECK_EQ $t1, 0xAAAAAAAA
    CHECK_EXC EXC_COUNT, 0
TEST_END

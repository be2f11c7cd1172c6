/*
 * Config.K0 (bits 2:0, kseg0 cacheability; PRA 9.34: R/W) is writable; the
 * other Config fields (M, BE, AT, AR, MT, ...) are read-only. Accesses keep
 * working whatever K0 says (this machine models no caches).
 */
#include "kernel_util.h"
    .data
    .align 2
w: .word 0x4B304B30
TEST_BEGIN 5
    li $t0, 3
    mtc0 $t0, C0_CONFIG
    ehb
    CHECK_C0 C0_CONFIG, 0, 0x80000483
    li $t0, 0xFFFFFFFF
    mtc0 $t0, C0_CONFIG
    ehb
    CHECK_C0 C0_CONFIG, 0, 0x80000487
    mtc0 $zero, C0_CONFIG
    ehb
    CHECK_C0 C0_CONFIG, 0, 0x80000480
    li $t0, 0x7FFFFFF8 | 2
    mtc0 $t0, C0_CONFIG
    ehb
    CHECK_C0 C0_CONFIG, 0, 0x80000482
    la $t1, w
    lw $t2, 0($t1)
    CHECK_EQ $t2, 0x4B304B30
TEST_END

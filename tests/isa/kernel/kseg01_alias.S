/*
 * kseg0 (0x80000000) and kseg1 (0xA0000000) are unmapped windows onto the
 * first 512 MiB of physical memory (PRA 4.3: "kseg0: unmapped, PA = VA -
 * 0x80000000"; "kseg1: unmapped, uncached, PA = VA - 0xA0000000"). A store
 * through one is seen through the other, for every access size; neither
 * consults the TLB (an entry claiming kseg0 VAs has no effect).
 */
#include "kernel_util.h"
    .data
    .align 4
buf: .word 0, 0, 0, 0
TEST_BEGIN 9
    la $s0, buf                    /* kseg0 */
    li $t9, 0x20000000
    or $s1, $s0, $t9               /* kseg1 alias */
    li $t0, 0x01234567
    sw $t0, 0($s0)
    lw $t1, 0($s1)
    CHECK_EQ $t1, 0x01234567
    li $t0, 0x89ABCDEF
    sw $t0, 4($s1)
    lw $t1, 4($s0)
    CHECK_EQ $t1, 0x89ABCDEF
    li $t0, 0xBEEF
    sh $t0, 10($s1)
    lhu $t1, 10($s0)
    CHECK_EQ $t1, 0xBEEF
    lw $t1, 8($s0)
    CHECK_EQ $t1, 0xBEEF0000
    li $t0, 0x7F
    sb $t0, 13($s0)
    lbu $t1, 13($s1)
    CHECK_EQ $t1, 0x7F
    /* a TLB entry with a kseg0 VPN2 does not apply */
    li $t2, 0xFFFFE000
    and $t3, $s0, $t2
    li $t4, (0x7F0 << 6) | LO_VDG
    TLB_WRITE_R 8, $t3, $t4, $t4, PM_4K
    lw $t1, 0($s0)
    CHECK_EQ $t1, 0x01234567
    lw $t1, 0($s1)
    CHECK_EQ $t1, 0x01234567
    /* the same physical word at kseg1 via a computed address */
    sll $t5, $s0, 3
    srl $t5, $t5, 3
    li $t9, 0xA0000000
    or $t5, $t5, $t9
    lw $t1, 4($t5)
    CHECK_EQ $t1, 0x89ABCDEF
    CHECK_EXC EXC_COUNT, 0
TEST_END

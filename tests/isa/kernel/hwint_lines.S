/*
 * Hardware interrupt lines (PRA 9.38 Cause.IP7..IP2: "pending hardware
 * interrupt", read-only, reflecting the current level of each line; 6.1.2
 * interrupt compatibility mode). Test-device IRQ bit n drives line IP(n+2),
 * level-triggered. With interrupts disabled the levels still show in Cause;
 * dropping the line clears the bit; mtc0 cannot set or clear IP7..IP2.
 */
#include "kernel_util.h"
    .macro LINE n
    li $t0, (1 << \n)
    sw $t0, TESTDEV_IRQ($s0)
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFC00, (0x400 << \n)
    sw $zero, TESTDEV_IRQ($s0)
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFC00, 0
    .endm
TEST_BEGIN 17
    TIMER_FAR
    li $s0, TESTDEV
    li $t0, (S_CU0 | 0xFF00)       /* all IM set, IE = 0 */
    mtc0 $t0, C0_STATUS
    ehb
    LINE 0
    LINE 1
    LINE 2
    LINE 3
    LINE 4
    LINE 5
    /* several at once */
    li $t0, 0x2D
    sw $t0, TESTDEV_IRQ($s0)
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFF00, (0x2D << 10)
    /* Cause writes do not touch IP7..IP2 */
    li $t2, 0x0000FC00
    mtc0 $t2, C0_CAUSE
    ehb
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFF00, (0x2D << 10)
    mtc0 $zero, C0_CAUSE
    ehb
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFF00, (0x2D << 10)
    sw $zero, TESTDEV_IRQ($s0)
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, 0xFF00, 0
    CHECK_EXC EXC_COUNT, 0
    KERNEL_STATUS
TEST_END

/*
 * Cause.DC (PRA 9.38, Release 2: "DC: Disable Count register. ... 1:
 * disable counting of the Count register", R/W). With DC = 1 Count holds
 * its value; clearing DC lets it advance again.
 */
#include "kernel_util.h"
TEST_BEGIN 3
    TIMER_FAR
    li $t0, CA_DC
    mtc0 $t0, C0_CAUSE
    ehb
    mfc0 $t1, C0_CAUSE
    CHECK_MASK $t1, CA_DC, CA_DC
    mfc0 $t1, C0_COUNT
    li $t3, 3000
1:  addiu $t3, $t3, -1
    bnez $t3, 1b
    nop
    mfc0 $t2, C0_COUNT
    CHECK_REG $t2, $t1             /* stopped */
    mtc0 $zero, C0_CAUSE
    ehb
    li $t3, 3000
1:  addiu $t3, $t3, -1
    bnez $t3, 1b
    nop
    mfc0 $t4, C0_COUNT
    subu $t5, $t4, $t2
    CHECK_RANGE $t5, 1, 0x100000   /* running again */
TEST_END

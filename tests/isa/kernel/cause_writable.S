/*
 * Cause writable bits (PRA 9.38): only IP1..IP0 (software interrupts), IV
 * and DC are R/W. BD, TI, CE, ExcCode and IP7..IP2 are read-only: a write
 * does not change what the last exception left there. (WP is not touched.)
 */
#include "kernel_util.h"
TEST_BEGIN 7, 1
    TIMER_FAR
    EXC_RESUME_AT r1
b1: b 1f
    syscall                        /* leaves BD = 1, ExcCode = Sys */
1:  FAIL
r1: CHECK_EXC_AT 1, X_SYS, b1, 0x180
    mfc0 $t0, C0_CAUSE
    CHECK_EQ $t0, (CA_BD | (X_SYS << 2))
    li $t1, 0xFFBFFFFF             /* all but WP */
    mtc0 $t1, C0_CAUSE
    ehb
    mfc0 $t0, C0_CAUSE
    CHECK_EQ $t0, (CA_BD | CA_DC | CA_IV | CA_IP1 | CA_IP0 | (X_SYS << 2))
    mtc0 $zero, C0_CAUSE
    ehb
    mfc0 $t0, C0_CAUSE
    CHECK_EQ $t0, (CA_BD | (X_SYS << 2))
TEST_END

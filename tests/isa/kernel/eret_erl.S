/*
 * ERET with ERL = 1 (ISA ERET: "if StatusERL = 1 then temp <- ErrorEPC;
 * StatusERL <- 0 else temp <- EPC; StatusEXL <- 0"): returns to ErrorEPC
 * and clears only ERL - with EXL also set, EXL stays set and a second eret
 * then uses EPC and clears EXL.
 */
#include "kernel_util.h"
TEST_BEGIN 5
    la $s0, via_errorepc
    la $s1, via_epc
    mtc0 $s0, C0_ERROREPC
    mtc0 $s1, C0_EPC
    li $t0, (S_CU0 | S_ERL | S_EXL)
    mtc0 $t0, C0_STATUS
    ehb
    eret
    FAIL
via_epc:
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, S_CU0            /* second eret cleared EXL */
    b done
    nop
via_errorepc:
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, (S_CU0 | S_EXL)  /* ERL cleared, EXL kept */
    mfc0 $t2, C0_ERROREPC
    CHECK_REG $t2, $s0
    ehb
    eret                           /* now ERL = 0: goes to EPC */
    FAIL
done:
    /* ERL alone */
    la $s0, erl_only
    mtc0 $s0, C0_ERROREPC
    li $t0, (S_CU0 | S_ERL)
    mtc0 $t0, C0_STATUS
    ehb
    eret
    FAIL
erl_only:
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, S_CU0
    CHECK_EXC EXC_COUNT, 0
TEST_END

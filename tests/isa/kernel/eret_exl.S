/*
 * ERET with ERL = 0 (ISA ERET: "if StatusERL = 1 then ... else temp <- EPC;
 * StatusEXL <- 0 endif; PC <- temp; LLbit <- 0"): jumps to EPC and clears
 * EXL. ERET has no delay slot: the instruction after it is not executed.
 * EPC itself is unchanged.
 */
#include "kernel_util.h"
TEST_BEGIN 9, 1
    la $s0, target
    mtc0 $s0, C0_EPC
    li $t0, (S_CU0 | S_EXL | S_IM0)
    mtc0 $t0, C0_STATUS
    ehb
    li $t1, 0
    eret
    addiu $t1, $t1, 1              /* not executed: no delay slot */
    FAIL
target:
    CHECK_EQ $t1, 0
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, (S_CU0 | S_IM0)  /* only EXL cleared */
    mfc0 $t2, C0_EPC
    CHECK_REG $t2, $s0
    CHECK_EXC EXC_COUNT, 0
    /* returning into kernel code with EXL = 0 through an exception round trip */
    KERNEL_STATUS
l1: syscall
    CHECK_EXC_AT 1, X_SYS, l1, 0x180
    mfc0 $t2, C0_STATUS
    CHECK_EQ $t2, S_CU0
TEST_END

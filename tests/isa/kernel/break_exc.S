/*
 * BREAK (ISA BREAK; PRA 6.2.15 "Breakpoint Exception"): ExcCode Bp (9),
 * EPC = the break instruction, general vector, EXL set. The code fields do
 * not matter.
 */
#include "kernel_util.h"
TEST_BEGIN 14, 3
l1: break
    CHECK_EXC_AT 1, X_BP, l1, 0x180
    CHECK_EXL_SET
    CHECK_BD 0
l2: break 7
    CHECK_EXC_AT 2, X_BP, l2, 0x180
l3: break 0x3FF, 0x3FF
    CHECK_EXC_AT 3, X_BP, l3, 0x180
TEST_END

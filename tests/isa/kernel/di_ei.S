/*
 * DI and EI (ISA DI/EI, Release 2): "GPR[rt] <- Status; Status.IE <- 0"
 * (resp. 1). Only IE changes; the forms without rt (rt = $0) discard the
 * old value; both are atomic read-modify-writes of Status.
 */
#include "kernel_util.h"
TEST_BEGIN 9
    TIMER_FAR
    li $t0, (S_CU0 | S_EXL | S_IM2 | S_IM7)   /* EXL keeps interrupts out */
    mtc0 $t0, C0_STATUS
    ehb
    ei $t1
    ehb
    CHECK_EQ $t1, (S_CU0 | S_EXL | S_IM2 | S_IM7)
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | S_IM2 | S_IM7 | S_IE)
    ei $t1                         /* already set */
    ehb
    CHECK_EQ $t1, (S_CU0 | S_EXL | S_IM2 | S_IM7 | S_IE)
    di $t2
    ehb
    CHECK_EQ $t2, (S_CU0 | S_EXL | S_IM2 | S_IM7 | S_IE)
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | S_IM2 | S_IM7)
    di $t2                         /* already clear */
    ehb
    CHECK_EQ $t2, (S_CU0 | S_EXL | S_IM2 | S_IM7)
    ei
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | S_IM2 | S_IM7 | S_IE)
    di
    ehb
    CHECK_C0 C0_STATUS, 0, (S_CU0 | S_EXL | S_IM2 | S_IM7)
    KERNEL_STATUS
    CHECK_EXC EXC_COUNT, 0
TEST_END

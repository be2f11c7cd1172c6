/*
 * WAIT with a timer interrupt coming (ISA WAIT: "the processor ... enters a
 * wait state until an interrupt ... If the pipeline restarts as the result
 * of an enabled interrupt, that interrupt is taken between the WAIT
 * instruction and the following instruction (EPC for the interrupt points
 * at the instruction following the WAIT)"). ExcCode Int, Cause.TI.
 */
#include "kernel_util.h"
    DEFINE_IHOOK
TEST_BEGIN 5, 1
    TIMER_FAR
    HOOK_INSTALL ihook
    li $t0, (S_CU0 | S_IE | S_IM7)
    mtc0 $t0, C0_STATUS
    mfc0 $t1, C0_COUNT
    li $t9, 20000
    addu $t1, $t1, $t9
    mtc0 $t1, C0_COMPARE
    ehb
    wait
w1: nop
    CHECK_EXC EXC_COUNT, 1
    CHECK_CODE X_INT
    CHECK_EXC_LABEL EXC_EPC, w1
    EXC_LOAD $t3, EXC_CAUSE
    CHECK_MASK $t3, (CA_TI | CA_IP7), (CA_TI | CA_IP7)
    /* Count is at or beyond Compare after waking */
    mfc0 $t5, C0_COUNT
    subu $t5, $t5, $t1
    CHECK_RANGE $t5, 0, 0x7FFFFFFF
    mtc0 $t1, C0_COMPARE
    ehb
    HOOK_REMOVE
    KERNEL_STATUS
TEST_END

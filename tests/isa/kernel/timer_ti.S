/*
 * Count/Compare timer without taking the interrupt (PRA 9.15 Compare:
 * "when the value of Count equals Compare ... an interrupt is signaled";
 * 9.38 Cause.TI: "Timer Interrupt pending"; Release 2 routes it to
 * IP[IntCtl.IPTI] = IP7). With IE = 0 the request is visible in Cause.TI
 * and Cause.IP7; writing Compare clears both ("writing Compare clears the
 * timer interrupt").
 */
#include "kernel_util.h"
TEST_BEGIN 6
    TIMER_FAR
    mfc0 $t0, C0_CAUSE
    CHECK_MASK $t0, (CA_TI | CA_IP7), 0
    li $t0, (S_CU0 | S_IM7)        /* unmasked but IE = 0 */
    mtc0 $t0, C0_STATUS
    TIMER_ARM 0x10000
    TIMER_POLL_TI                  /* a failed check if the timer never fires */
    CHECK_MASK $t3, (CA_TI | CA_IP7), (CA_TI | CA_IP7)
    /* Count has passed Compare */
    mfc0 $t5, C0_COUNT
    subu $t5, $t5, $t1
    CHECK_RANGE $t5, 0, 0x7FFFFFFF
    /* still pending until Compare is written */
    mfc0 $t3, C0_CAUSE
    CHECK_MASK $t3, CA_TI, CA_TI
    mtc0 $t1, C0_COMPARE           /* same value: still clears TI */
    ehb
    mfc0 $t3, C0_CAUSE
    CHECK_MASK $t3, (CA_TI | CA_IP7), 0
    CHECK_EXC EXC_COUNT, 0
    KERNEL_STATUS
TEST_END

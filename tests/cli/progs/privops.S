/*
 * A fixed number of privileged operations the start-up code never makes, for the --profile
 * counts: 25 times each mfc0 UserLocal, mtc0 DESAVE, tlbp, cache and ei, di 26 times (once
 * more after the loop, to return with interrupts off); ei sits in the delay slot of the loop's
 * branch (taken 24 times, not taken once), so trap mode completes a branch after each.
 */
#include "isa.h"

    TEST_BEGIN 0
    li $t0, 25
1:  mfc0 $t1, $4, 2
    mtc0 $t1, $31
    tlbp
    cache 0x14, 0($zero)
    di
    addiu $t0, $t0, -1
    bnez $t0, 1b
    ei
    di
    TEST_END

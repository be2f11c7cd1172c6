/* Wedges the machine: interrupts off (Status.IE = 0), then WAIT, which nothing can end; the
 * monitor stops it with status 2 ("guest wedged"). The test machine runs it in kernel mode. */
#include "isa.h"

    TEST_BEGIN 0
    mfc0 $t0, $12
    li $t1, ~1
    and $t0, $t0, $t1
    mtc0 $t0, $12
    ehb
1:  wait
    b 1b
    nop
    TEST_END

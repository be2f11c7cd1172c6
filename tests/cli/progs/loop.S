/* Never finishes: only --max-insns or --timeout ends it. */
#include "isa.h"

    TEST_BEGIN 0
1:  b 1b
    nop
    TEST_END

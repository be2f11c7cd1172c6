/* Reports a failure of check 1 through the test device. */
#include "isa.h"

    TEST_BEGIN 1
    FAIL
    TEST_END

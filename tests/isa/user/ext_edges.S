/* EXT edge fields: size 32 at pos 0, pos+size = 32, one-bit fields, rt == rs (Vol. II, EXT: pos+size <= 32). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 0x87654321
    ext $t1, $t0, 0, 32         /* the whole word */
    CHECK_EQ $t1, 0x87654321
    ext $t1, $t0, 31, 1         /* the top bit alone */
    CHECK_EQ $t1, 1
    ext $t1, $t0, 1, 31         /* pos + size = 32: a logical shift right */
    CHECK_EQ $t1, 0x43b2a190
    ext $t1, $t0, 16, 16
    CHECK_EQ $t1, 0x8765
    ext $t1, $t0, 0, 31
    CHECK_EQ $t1, 0x07654321
    ext $t1, $t0, 0, 16
    CHECK_EQ $t1, 0x4321
    ext $t0, $t0, 4, 4          /* rt == rs */
    CHECK_EQ $t0, 2
UTEST_END

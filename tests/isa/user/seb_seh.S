/* SEB/SEH (R2): sign-extend the low byte / halfword of GPR[rt] (Vol. II, SEB, SEH). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0x12345680
    seb $t1, $t0
    CHECK_EQ $t1, 0xffffff80
    li $t0, 0x0000007f
    seb $t1, $t0
    CHECK_EQ $t1, 0x7f
    li $t0, 0xffffff7f          /* upper bits of rt are ignored */
    seb $t1, $t0
    CHECK_EQ $t1, 0x7f
    li $t0, 0x100
    seb $t1, $t0
    CHECK_EQ $t1, 0
    li $t0, 0x12348000
    seh $t1, $t0
    CHECK_EQ $t1, 0xffff8000
    li $t0, 0x7fff
    seh $t1, $t0
    CHECK_EQ $t1, 0x7fff
    li $t0, 0xffff7fff
    seh $t1, $t0
    CHECK_EQ $t1, 0x7fff
    li $t0, 0x10000
    seh $t0, $t0                /* rd == rt */
    CHECK_EQ $t0, 0
UTEST_END

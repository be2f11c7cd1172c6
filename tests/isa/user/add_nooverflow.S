/* ADD without overflow: the 32-bit two's-complement sum (Vol. II, ADD; overflow cases are in kernel/). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x7ffffffe
    li $t1, 1
    add $t2, $t0, $t1           /* largest positive result */
    CHECK_EQ $t2, 0x7fffffff
    li $t0, 0xffffffff
    li $t1, 0x80000001
    add $t2, $t0, $t1           /* -1 + -(2^31-1) = -2^31, the most negative result */
    CHECK_EQ $t2, 0x80000000
    li $t0, 0x80000000
    li $t1, 0x7fffffff
    add $t2, $t0, $t1           /* mixed signs never overflow */
    CHECK_EQ $t2, 0xffffffff
    li $t0, -5
    li $t1, 3
    add $t2, $t0, $t1
    CHECK_EQ $t2, 0xfffffffe
    li $t0, 100
    li $t1, -100
    add $t2, $t0, $t1
    CHECK_EQ $t2, 0
    li $t0, 0xc0000000          /* -2^30 + -2^30 = -2^31: still in range */
    add $t2, $t0, $t0
    CHECK_EQ $t2, 0x80000000
UTEST_END

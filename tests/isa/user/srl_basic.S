/* SRL: GPR[rd] <- GPR[rt] >> sa, zeros shifted in (logical) (Vol. II, SRL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 0x80000000
    srl $t1, $t0, 31
    CHECK_EQ $t1, 1
    srl $t1, $t0, 1             /* zero fill, not sign fill */
    CHECK_EQ $t1, 0x40000000
    li $t0, 0xffffffff
    srl $t1, $t0, 16
    CHECK_EQ $t1, 0x0000ffff
    li $t0, 0x12345678
    srl $t1, $t0, 4
    CHECK_EQ $t1, 0x01234567
    srl $t1, $t0, 0
    CHECK_EQ $t1, 0x12345678
    srl $t0, $t0, 28            /* rd == rt */
    CHECK_EQ $t0, 1
UTEST_END

/* TGE/TLT/TGEI/TLTI compare SIGNED; only non-trapping cases here, chosen so an unsigned compare would trap (Vol. II, TGE, TLT, TGEI, TLTI). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 0x80000000
    li $t1, 0x7fffffff
    tge $t0, $t1                /* -2^31 >= 2^31-1 is false */
    CHECK_NO_EXC
    tlt $t1, $t0                /* 2^31-1 < -2^31 is false */
    CHECK_NO_EXC
    tge $t0, $zero              /* negative >= 0 false */
    tlt $t1, $t1                /* equal: not less */
    CHECK_NO_EXC
    li $t2, -1
    tgei $t2, 0                 /* -1 >= 0 false */
    CHECK_NO_EXC
    tlti $zero, -1              /* 0 < -1 false */
    CHECK_NO_EXC
    li $t2, 0xffff8000
    tlti $t2, -32768            /* equal */
    tgei $t0, -32768            /* -2^31 >= -32768 false */
    CHECK_NO_EXC
    li $t2, 0x7ffe
    tgei $t2, 0x7fff            /* 32766 >= 32767 false */
    li $t2, 0x8000
    tlti $t2, 0x7fff            /* 32768 < 32767 false (rs is not truncated to 16 bits) */
    CHECK_NO_EXC
UTEST_END

/* TGEU/TLTU/TGEIU/TLTIU compare UNSIGNED (immediates sign-extended first); non-trapping cases chosen so a signed compare would trap (Vol. II, TGEU, TLTU, TGEIU, TLTIU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 0x7fffffff
    li $t1, 0x80000000
    tgeu $t0, $t1               /* 0x7fffffff >= 0x80000000 unsigned: false */
    CHECK_NO_EXC
    tltu $t1, $t0               /* 0x80000000 < 0x7fffffff unsigned: false */
    CHECK_NO_EXC
    tltu $t0, $zero             /* nothing is below 0 */
    tgeu $zero, $t1
    CHECK_NO_EXC
    li $t2, 0xfffffffe
    tgeiu $t2, -1               /* -1 -> 0xffffffff: 0xfffffffe >= it is false */
    CHECK_NO_EXC
    li $t2, 0xffff8000
    tltiu $t2, -32768           /* equal: not less */
    CHECK_NO_EXC
    tltiu $t1, 0x7fff           /* 0x80000000 < 0x7fff false (signed it would be true) */
    CHECK_NO_EXC
    li $t2, 0x7fff
    tgeiu $t2, -32768           /* 0x7fff >= 0xffff8000 false (signed it would be true) */
    CHECK_NO_EXC
UTEST_END

/* SRA: GPR[rd] <- GPR[rt] >> sa, copies of bit 31 shifted in (arithmetic) (Vol. II, SRA). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    li $t0, 0x80000000
    sra $t1, $t0, 31
    CHECK_EQ $t1, 0xffffffff
    sra $t1, $t0, 1
    CHECK_EQ $t1, 0xc0000000
    li $t0, 0x7fffffff          /* positive: zero fill */
    sra $t1, $t0, 30
    CHECK_EQ $t1, 1
    li $t0, 0xf0000000
    sra $t1, $t0, 4
    CHECK_EQ $t1, 0xff000000
    li $t0, 0x12345678
    sra $t1, $t0, 4
    CHECK_EQ $t1, 0x01234567
    li $t0, -5                  /* rounds toward minus infinity: -5 >> 1 = -3 */
    sra $t1, $t0, 1
    CHECK_EQ $t1, 0xfffffffd
    li $t0, -1
    sra $t1, $t0, 5
    CHECK_EQ $t1, 0xffffffff
    li $t0, 0x80001234
    sra $t1, $t0, 0
    CHECK_EQ $t1, 0x80001234
UTEST_END

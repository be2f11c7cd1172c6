/* ROTRV (R2): rotate GPR[rt] right by GPR[rs] bits 4..0 (Vol. II, ROTRV). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x12345678
    li $t1, 4
    rotrv $t2, $t0, $t1
    CHECK_EQ $t2, 0x81234567
    li $t1, 36                  /* 36 mod 32 = 4 */
    rotrv $t2, $t0, $t1
    CHECK_EQ $t2, 0x81234567
    li $t1, 0xffffffe0          /* low 5 bits = 0 */
    rotrv $t2, $t0, $t1
    CHECK_EQ $t2, 0x12345678
    li $t1, 24
    rotrv $t2, $t0, $t1
    CHECK_EQ $t2, 0x34567812
    li $t1, 0x7fffffff          /* 31 */
    rotrv $t2, $t0, $t1
    CHECK_EQ $t2, 0x2468acf0
UTEST_END

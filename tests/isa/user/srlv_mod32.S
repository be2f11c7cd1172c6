/* SRLV: shift amount = GPR[rs] bits 4..0; logical right shift of GPR[rt] (Vol. II, SRLV). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t0, 0x87654321
    li $t1, 4
    srlv $t2, $t0, $t1
    CHECK_EQ $t2, 0x08765432
    li $t1, 32
    srlv $t2, $t0, $t1
    CHECK_EQ $t2, 0x87654321
    li $t1, 63                  /* 63 mod 32 = 31 */
    srlv $t2, $t0, $t1
    CHECK_EQ $t2, 1
    li $t1, 0x80000010          /* low 5 bits = 16 */
    srlv $t2, $t0, $t1
    CHECK_EQ $t2, 0x00008765
    li $t1, 1
    srlv $t2, $t0, $t1          /* zero fill */
    CHECK_EQ $t2, 0x43b2a190
UTEST_END

/* SLLV: shift amount = GPR[rs] bits 4..0 only; GPR[rd] <- GPR[rt] << s (Vol. II, SLLV). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 8
    li $t0, 0x12345678
    li $t1, 4
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 0x23456780
    li $t1, 32                  /* 32 mod 32 = 0 */
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 0x12345678
    li $t1, 33                  /* 33 mod 32 = 1 */
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 0x2468acf0
    li $t1, 0xffffffe4          /* low 5 bits = 4; the rest ignored */
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 0x23456780
    li $t0, 1
    li $t1, 31
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 0x80000000
    li $t1, 0x100               /* low 5 bits = 0 */
    sllv $t2, $t0, $t1
    CHECK_EQ $t2, 1
    sllv $t2, $t0, $zero
    CHECK_EQ $t2, 1
UTEST_END

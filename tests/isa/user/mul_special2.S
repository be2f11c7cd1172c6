/* MUL (SPECIAL2): GPR[rd] <- low 32 bits of the signed product; HI/LO are UNPREDICTABLE and not checked (Vol. II, MUL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 6
    li $t1, 7
    mul $t2, $t0, $t1
    CHECK_EQ $t2, 42
    li $t0, -3
    li $t1, 5
    mul $t2, $t0, $t1
    CHECK_EQ $t2, 0xfffffff1
    li $t0, 0x10000
    mul $t2, $t0, $t0           /* 2^32: low word is 0 */
    CHECK_EQ $t2, 0
    li $t0, 0x12345678
    li $t1, 0x10
    mul $t2, $t0, $t1
    CHECK_EQ $t2, 0x23456780
    li $t0, 0x12345678
    li $t1, 0x87654321
    mul $t2, $t0, $t1           /* low word of the product */
    CHECK_EQ $t2, 0x70b88d78
    li $t0, 9
    mul $t0, $t0, $t0           /* rd == rs == rt */
    CHECK_EQ $t0, 81
UTEST_END

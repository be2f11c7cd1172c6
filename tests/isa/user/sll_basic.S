/* SLL: GPR[rd] <- GPR[rt] << sa, zeros shifted in (Vol. II, SLL). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t0, 1
    sll $t1, $t0, 0
    CHECK_EQ $t1, 1
    sll $t1, $t0, 31
    CHECK_EQ $t1, 0x80000000
    li $t0, 0x12345678
    sll $t1, $t0, 4             /* the top nibble is shifted out */
    CHECK_EQ $t1, 0x23456780
    li $t0, 0xffffffff
    sll $t1, $t0, 16
    CHECK_EQ $t1, 0xffff0000
    li $t0, 0x80000001
    sll $t1, $t0, 1
    CHECK_EQ $t1, 2
    li $t0, 0x000000ab
    sll $t0, $t0, 8             /* rd == rt */
    CHECK_EQ $t0, 0x0000ab00
UTEST_END

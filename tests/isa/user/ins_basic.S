/* INS (R2): GPR[rt][pos+size-1 .. pos] <- GPR[rs][size-1 .. 0]; other bits of rt kept (Vol. II, INS). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    li $t1, 0xffffffff
    ins $t1, $zero, 8, 8
    CHECK_EQ $t1, 0xffff00ff
    move $t1, $zero
    li $t0, 0xffffffff
    ins $t1, $t0, 4, 8
    CHECK_EQ $t1, 0x00000ff0
    li $t1, 0x12345678
    li $t0, 0xabcd
    ins $t1, $t0, 8, 16
    CHECK_EQ $t1, 0x12abcd78
    move $t1, $zero
    li $t0, 0x123               /* only the low `size` bits of rs are used */
    ins $t1, $t0, 0, 4
    CHECK_EQ $t1, 3
    li $t1, 0xaaaaaaaa
    li $t0, 0x2                 /* 0b010 into bits 15..13 (bit 12 stays 0) */
    ins $t1, $t0, 13, 3
    CHECK_EQ $t1, 0xaaaa4aaa
UTEST_END

/* INS edge fields: size 32 at pos 0, pos+size = 32, one-bit fields, rt == rs (Vol. II, INS). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    li $t1, 0x11111111
    li $t0, 0x87654321
    ins $t1, $t0, 0, 32         /* replaces everything */
    CHECK_EQ $t1, 0x87654321
    move $t1, $zero
    li $t0, 1
    ins $t1, $t0, 31, 1
    CHECK_EQ $t1, 0x80000000
    li $t1, 0xffffffff
    ins $t1, $zero, 0, 1
    CHECK_EQ $t1, 0xfffffffe
    li $t1, 0xffffffff
    li $t0, 0x12345678
    ins $t1, $t0, 4, 28         /* pos + size = 32: rs[27:0] lands in rt[31:4] */
    CHECK_EQ $t1, 0x2345678f
    li $t1, 0x00001234
    li $t0, 0xabcdffff
    ins $t1, $t0, 16, 16
    CHECK_EQ $t1, 0xffff1234
    li $t0, 0x12345678
    ins $t0, $t0, 8, 8          /* rt == rs: rs read before the merge */
    CHECK_EQ $t0, 0x12347878
UTEST_END

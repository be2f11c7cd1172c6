/* LL reads the word; an SC right after it succeeds: stores GPR[rt] and sets rt to 1 (Vol. II, LL, SC). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 10
    la $s0, cell
    ll $t0, 0($s0)
    CHECK_EQ $t0, 0x13572468
    li $t1, 0xcafef00d
    ll $t0, 0($s0)
    sc $t1, 0($s0)
    CHECK_EQ $t1, 1             /* success flag replaces the stored value in rt */
    CHECK_MEMW $s0, 0, 0xcafef00d
    ll $t0, 4($s0)              /* positive offset */
    CHECK_EQ $t0, 0x2468ace0
    addiu $t0, $t0, 1
    sc $t0, 4($s0)
    CHECK_EQ $t0, 1
    CHECK_MEMW $s0, 4, 0x2468ace1
    addiu $s1, $s0, 8
    ll $t2, -8($s1)             /* negative offset */
    CHECK_EQ $t2, 0xcafef00d
    move $t2, $zero
    sc $t2, -8($s1)
    CHECK_EQ $t2, 1
    CHECK_MEMW $s0, 0, 0
UTEST_END
    .data
    .align 2
cell: .word 0x13572468, 0x2468ace0

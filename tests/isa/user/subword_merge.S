/* Sub-word stores merge into the containing word; loads of that word see the merged bytes (Vol. II, SB, SH, LW). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    la $s0, w
    sw $zero, 0($s0)
    li $t0, 0x01
    sb $t0, 0($s0)
    li $t0, 0x02
    sb $t0, 1($s0)
    li $t0, 0x03
    sb $t0, 2($s0)
    li $t0, 0x04
    sb $t0, 3($s0)
    CHECK_MEMW $s0, 0, 0x04030201
    li $t0, 0xbeef
    sh $t0, 2($s0)
    CHECK_MEMW $s0, 0, 0xbeef0201
    lh $t0, 2($s0)
    CHECK_EQ $t0, 0xffffbeef
    lb $t0, 3($s0)
    CHECK_EQ $t0, 0xffffffbe
    lhu $t0, 2($s0)
    CHECK_EQ $t0, 0xbeef
UTEST_END
    .data
    .align 2
w: .word 0

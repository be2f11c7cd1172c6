/* LB sign-extends the byte, LBU zero-extends it (Vol. II, LB, LBU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    la $s0, bytes
    lb $t0, 0($s0)
    CHECK_EQ $t0, 0xffffff80
    lbu $t0, 0($s0)
    CHECK_EQ $t0, 0x80
    lb $t0, 1($s0)
    CHECK_EQ $t0, 0x7f
    lbu $t0, 1($s0)
    CHECK_EQ $t0, 0x7f
    lb $t0, 2($s0)
    CHECK_EQ $t0, 0xffffffff
    lbu $t0, 2($s0)
    CHECK_EQ $t0, 0xff
    addiu $s1, $s0, 4
    lb $t0, -1($s1)             /* negative offset, byte 3 */
    CHECK_EQ $t0, 1
    li $t0, 0x12345678          /* the whole register is replaced */
    lbu $t0, -4($s1)
    CHECK_EQ $t0, 0x80
UTEST_END
    .data
bytes: .byte 0x80, 0x7f, 0xff, 0x01

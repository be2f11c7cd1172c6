/* LH sign-extends the halfword, LHU zero-extends it; little-endian byte order within it (Vol. II, LH, LHU). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 9
    la $s0, halves
    lh $t0, 0($s0)
    CHECK_EQ $t0, 0xffff8000
    lhu $t0, 0($s0)
    CHECK_EQ $t0, 0x8000
    lh $t0, 2($s0)
    CHECK_EQ $t0, 0x7fff
    lhu $t0, 2($s0)
    CHECK_EQ $t0, 0x7fff
    lh $t0, 4($s0)
    CHECK_EQ $t0, 0xffffffff
    lhu $t0, 4($s0)
    CHECK_EQ $t0, 0xffff
    addiu $s1, $s0, 8
    lh $t0, -2($s1)             /* bytes 0x34, 0x12 in memory: value 0x1234 on LE */
    CHECK_EQ $t0, 0x1234
    lhu $t0, -8($s1)
    CHECK_EQ $t0, 0x8000
UTEST_END
    .data
    .align 2
halves: .byte 0x00, 0x80, 0xff, 0x7f, 0xff, 0xff, 0x34, 0x12

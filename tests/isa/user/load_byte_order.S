/* Little-endian loads: LW assembles bytes at A..A+3 as bits 7..0 .. 31..24; LH/LB pick sub-words (Vol. I, endianness). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    la $s0, bytes
    lw $t0, 0($s0)
    CHECK_EQ $t0, 0x44332211
    lw $t0, 4($s0)
    CHECK_EQ $t0, 0x88776655
    lhu $t0, 2($s0)
    CHECK_EQ $t0, 0x4433
    lhu $t0, 6($s0)
    CHECK_EQ $t0, 0x8877
    lh $t0, 6($s0)
    CHECK_EQ $t0, 0xffff8877
    lbu $t0, 5($s0)
    CHECK_EQ $t0, 0x66
UTEST_END
    .data
    .align 3
bytes: .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88

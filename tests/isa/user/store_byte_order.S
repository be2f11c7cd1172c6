/* Little-endian: the least significant byte of a word/halfword is at the lowest address; SB/SH write only their bytes (Vol. I, endianness; Vol. II, SB, SH, SW). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 11
    la $s0, buf
    li $t0, 0x11223344
    sw $t0, 0($s0)
    CHECK_MEMB $s0, 0, 0x44
    CHECK_MEMB $s0, 1, 0x33
    CHECK_MEMB $s0, 2, 0x22
    CHECK_MEMB $s0, 3, 0x11
    li $t0, 0xaabb
    sh $t0, 2($s0)              /* bytes 2,3 = bb, aa */
    CHECK_MEMW $s0, 0, 0xaabb3344
    li $t0, 0xffffff99          /* SB stores only bits 7..0 */
    sb $t0, 1($s0)
    CHECK_MEMW $s0, 0, 0xaabb9944
    li $t0, 0x12345678          /* SH stores only bits 15..0 */
    sh $t0, 0($s0)
    CHECK_MEMW $s0, 0, 0xaabb5678
    CHECK_MEMW $s0, 4, 0xcccccccc   /* neighbours untouched */
    CHECK_MEMW $s0, -4, 0xdddddddd
    addiu $s1, $s0, 8
    sb $zero, -5($s1)           /* negative offset: byte 3 */
    CHECK_MEMW $s0, 0, 0x00bb5678
UTEST_END
    .data
    .align 2
    .word 0xdddddddd
buf: .word 0, 0xcccccccc

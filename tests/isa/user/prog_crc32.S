/* Program: bitwise reflected CRC-32 (poly 0xEDB88320, init/xorout ~0) using LBU, XOR, SRL, SUBU masks and loops.
 * Expected: the standard check value CRC-32("123456789") = 0xCBF43926; the pangram's CRC computed on the host with python's zlib. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    move $s7, $ra
    la $a0, msg1
    li $a1, 9
    jal crc32
    nop
    CHECK_EQ $v0, 0xcbf43926
    la $a0, msg2
    li $a1, 43
    jal crc32
    nop
    CHECK_EQ $v0, 0x414fa339
    la $a0, msg1
    move $a1, $zero             /* empty input: ~(~0) = 0 */
    jal crc32
    nop
    CHECK_EQ $v0, 0
    move $ra, $s7
UTEST_END

/* v0 = crc32(a0 = bytes, a1 = length) */
crc32:
    li $v0, -1
    li $t3, 0xedb88320
1:  beqz $a1, 3f
    nop
    lbu $t0, 0($a0)
    xor $v0, $v0, $t0
    li $t1, 8
2:  andi $t2, $v0, 1
    srl $v0, $v0, 1
    subu $t2, $zero, $t2        /* 0 or all ones */
    and $t2, $t2, $t3
    xor $v0, $v0, $t2
    addiu $t1, $t1, -1
    bnez $t1, 2b
    nop
    addiu $a0, $a0, 1
    b 1b
    addiu $a1, $a1, -1
3:  jr $ra
    nor $v0, $v0, $zero

    .data
msg1: .ascii "123456789"
msg2: .ascii "The quick brown fox jumps over the lazy dog"

/* Program: table-driven CRC-32: builds the 256-entry table in .bss (SLL/ADDU indexing, LW/SW), then
 * crc = table[(crc ^ b) & 0xff] ^ (crc >> 8). Expected: CRC-32("123456789") = 0xCBF43926 (standard check value);
 * table[1] = 0x77073096 and table[255] = 0x2D02EF8D are the well-known first/last entries. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    la $s0, table
    li $t3, 0xedb88320
    li $t4, 0                   /* n */
1:  move $t0, $t4
    li $t1, 8
2:  andi $t2, $t0, 1
    srl $t0, $t0, 1
    beqz $t2, 3f
    nop
    xor $t0, $t0, $t3
3:  addiu $t1, $t1, -1
    bnez $t1, 2b
    nop
    sll $t5, $t4, 2
    addu $t5, $s0, $t5
    sw $t0, 0($t5)
    addiu $t4, $t4, 1
    sltiu $t5, $t4, 256
    bnez $t5, 1b
    nop
    CHECK_MEMW $s0, 4, 0x77073096
    CHECK_MEMW $s0, 1020, 0x2d02ef8d
    la $a0, msg
    li $a1, 9
    li $v0, -1
4:  lbu $t0, 0($a0)
    xor $t0, $t0, $v0
    andi $t0, $t0, 0xff
    sll $t0, $t0, 2
    addu $t0, $s0, $t0
    lw $t0, 0($t0)
    srl $v0, $v0, 8
    xor $v0, $v0, $t0
    addiu $a1, $a1, -1
    bnez $a1, 4b
    addiu $a0, $a0, 1
    nor $v0, $v0, $zero
    CHECK_EQ $v0, 0xcbf43926
UTEST_END
    .data
msg: .ascii "123456789"
    .bss
    .align 2
table: .space 1024

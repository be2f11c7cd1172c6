/* Program: Adler-32 (a = 1 + sum of bytes, b = sum of a's, both mod 65521 via DIVU/MFHI), result b<<16 | a.
 * Expected: Adler-32("Wikipedia") = 0x11E60398 (the worked example of the algorithm); the pangram's value computed
 * on the host with python's zlib. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 4
    move $s7, $ra
    la $a0, msg1
    li $a1, 9
    jal adler32
    nop
    CHECK_EQ $v0, 0x11e60398
    la $a0, msg2
    li $a1, 43
    jal adler32
    nop
    CHECK_EQ $v0, 0x5bdc0fda
    move $a1, $zero
    jal adler32
    nop
    CHECK_EQ $v0, 1
    move $ra, $s7
UTEST_END

adler32:
    li $t0, 1                   /* a */
    move $t1, $zero             /* b */
    li $t3, 65521
1:  beqz $a1, 2f
    nop
    lbu $t2, 0($a0)
    addu $t0, $t0, $t2
    divu $zero, $t0, $t3
    mfhi $t0
    addu $t1, $t1, $t0
    divu $zero, $t1, $t3
    mfhi $t1
    addiu $a0, $a0, 1
    b 1b
    addiu $a1, $a1, -1
2:  sll $v0, $t1, 16
    jr $ra
    or $v0, $v0, $t0

    .data
msg1: .ascii "Wikipedia"
msg2: .ascii "The quick brown fox jumps over the lazy dog"

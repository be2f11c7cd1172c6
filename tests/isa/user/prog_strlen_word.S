/* Program: strlen two ways: a byte loop (LBU), and word-at-a-time with the zero-byte test
 * (w - 0x01010101) & ~w & 0x80808080 then a little-endian byte scan. Lengths counted by hand. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5 * 2 + 1                /* 5 strings x 2 methods, UTEST_END */
    move $s7, $ra
    la $s0, strs
    la $s1, lens
    li $s2, 5
1:  lw $a0, 0($s0)
    lw $s3, 0($s1)
    jal strlen_b
    nop
    CHECK_REG $v0, $s3
    lw $a0, 0($s0)
    jal strlen_w
    nop
    CHECK_REG $v0, $s3
    addiu $s0, $s0, 4
    addiu $s2, $s2, -1
    bnez $s2, 1b
    addiu $s1, $s1, 4
    move $ra, $s7
UTEST_END

strlen_b:
    move $v0, $a0
1:  lbu $t0, 0($v0)
    bnez $t0, 1b
    addiu $v0, $v0, 1
    addiu $v0, $v0, -1
    jr $ra
    subu $v0, $v0, $a0

/* a0 must be word-aligned (the strings below are) */
strlen_w:
    move $v0, $a0
    li $t2, 0x01010101
    li $t3, 0x80808080
1:  lw $t0, 0($v0)
    subu $t1, $t0, $t2
    nor $t4, $t0, $zero
    and $t1, $t1, $t4
    and $t1, $t1, $t3
    beqz $t1, 1b
    addiu $v0, $v0, 4
    addiu $v0, $v0, -4          /* back to the word with the NUL */
2:  andi $t4, $t0, 0xff         /* scan its bytes from the lowest address (low bits on LE) */
    beqz $t4, 3f
    srl $t0, $t0, 8
    b 2b
    addiu $v0, $v0, 1
3:  jr $ra
    subu $v0, $v0, $a0

    .data
    .align 2
s0: .asciz ""
    .align 2
s1: .asciz "abc"
    .align 2
s2: .asciz "abcd"
    .align 2
s3: .asciz "hello, world"
    .align 2
s4: .ascii "\x80\x81\xff"           /* high bytes must not look like NUL */
    .asciz "\x01xyz\x7f"
    .align 2
strs: .word s0, s1, s2, s3, s4
lens: .word 0, 3, 4, 12, 8

/* Program: decimal formatting with DIVU by 10 (MFLO quotient, MFHI digit), SB into a buffer, signed via SUBU negation;
 * compared byte by byte with the expected strings. */
#include "isa.h"
#include "user_util.h"
    /* s1 = mismatches between the NUL-terminated string in buf and the one at label */
    .macro STRCMP label
    la $t0, buf
    la $t1, \label
    move $s1, $zero
.Ls\@:
    lbu $t3, 0($t0)
    lbu $t4, 0($t1)
    beq $t3, $t4, .Lq\@
    nop
    addiu $s1, $s1, 1
.Lq\@:
    addiu $t0, $t0, 1
    bnez $t4, .Ls\@
    addiu $t1, $t1, 1
    .endm
TEST_BEGIN 5
    move $s7, $ra
    li $a0, 0xffffffff
    jal utoa
    nop
    STRCMP s_umax
    CHECK_EQ $s1, 0
    li $a0, 0x80000000
    jal itoa
    nop
    STRCMP s_imin
    CHECK_EQ $s1, 0
    li $a0, -1234
    jal itoa
    nop
    STRCMP s_neg
    CHECK_EQ $s1, 0
    move $a0, $zero
    jal itoa
    nop
    STRCMP s_zero
    CHECK_EQ $s1, 0
    move $ra, $s7
UTEST_END

/* buf <- decimal of signed a0 */
itoa:
    la $t6, buf
    bgez $a0, 1f
    li $t5, '-'
    sb $t5, 0($t6)
    addiu $t6, $t6, 1
    subu $a0, $zero, $a0        /* |INT_MIN| = 2^31 is fine unsigned */
1:  b digits
    nop
/* buf <- decimal of unsigned a0 */
utoa:
    la $t6, buf
digits:
    la $t7, tmp_end
    li $t5, 10
    sb $zero, 0($t7)
2:  divu $zero, $a0, $t5
    mfhi $t0
    mflo $a0
    addiu $t0, $t0, '0'
    addiu $t7, $t7, -1
    bnez $a0, 2b
    sb $t0, 0($t7)
3:  lbu $t0, 0($t7)             /* copy the digits and the NUL */
    sb $t0, 0($t6)
    addiu $t7, $t7, 1
    bnez $t0, 3b
    addiu $t6, $t6, 1
    jr $ra
    nop

    .data
s_umax: .asciz "4294967295"
s_imin: .asciz "-2147483648"
s_neg:  .asciz "-1234"
s_zero: .asciz "0"
    .bss
buf: .space 16
tmp: .space 15
tmp_end: .space 1

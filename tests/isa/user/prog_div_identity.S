/* Program: for a table of signed (n, d) pairs, DIV satisfies n = q*d + r, |r| < |d|, and r is 0 or has n's sign
 * (Vol. II, DIV: quotient rounded toward zero). The properties are checked by the program itself. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 10 * 3 + 1               /* 10 pairs x 3, UTEST_END */
    la $s0, pairs
    li $s1, 10
1:  lw $a0, 0($s0)              /* n */
    lw $a1, 4($s0)              /* d */
    div $zero, $a0, $a1
    mflo $t0                    /* q */
    mfhi $t1                    /* r */
    mul $t2, $t0, $a1
    addu $t2, $t2, $t1
    CHECK_REG $t2, $a0          /* n == q*d + r (mod 2^32) */
    sra $t3, $t1, 31            /* |r| */
    xor $t4, $t1, $t3
    subu $t4, $t4, $t3
    sra $t3, $a1, 31            /* |d| */
    xor $t5, $a1, $t3
    subu $t5, $t5, $t3
    sltu $t6, $t4, $t5
    CHECK_EQ $t6, 1             /* |r| < |d| */
    beqz $t1, 2f                /* r == 0 is fine */
    xor $t6, $t1, $a0
    srl $t6, $t6, 31            /* sign(r) == sign(n) */
    CHECK_EQ $t6, 0
    b 3f
    nop
2:  addiu $fp, $fp, 1           /* keep the check count the same on both paths */
3:  addiu $s1, $s1, -1
    bnez $s1, 1b
    addiu $s0, $s0, 8
UTEST_END
    .data
    .align 2
pairs:
    .word 7, 2
    .word -7, 2
    .word 7, -2
    .word -7, -2
    .word 0x7fffffff, 3
    .word 0x80000000, 3
    .word 0x80000000, 0x7fffffff
    .word -1, 0x7fffffff
    .word 123456789, -1000
    .word 6, 3

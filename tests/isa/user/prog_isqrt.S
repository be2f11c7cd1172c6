/* Program: integer square root by the bit-by-bit (digit) method with SRL, ADDU, SLTU, SUBU.
 * Expected by hand: isqrt(0)=0, (1)=1, (99)=9, (100)=10, (1000000)=1000, (2^31)=46340 (46340^2 = 2147395600 <= 2^31 < 46341^2),
 * (2^32-1)=65535. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7 + 1                    /* 7 inputs, UTEST_END */
    move $s7, $ra
    la $s0, inputs
    la $s1, expect
    li $s2, 7
1:  lw $a0, 0($s0)
    jal isqrt
    nop
    lw $t0, 0($s1)
    CHECK_REG $v0, $t0
    addiu $s0, $s0, 4
    addiu $s2, $s2, -1
    bnez $s2, 1b
    addiu $s1, $s1, 4
    move $ra, $s7
UTEST_END

/* v0 = floor(sqrt(a0)), unsigned */
isqrt:
    move $v0, $zero             /* res */
    li $t0, 0x40000000          /* bit: highest power of 4 */
1:  sltu $t1, $a0, $t0          /* while bit > num: bit >>= 2 */
    beqz $t1, 2f
    nop
    b 1b
    srl $t0, $t0, 2
2:  beqz $t0, 4f
    addu $t1, $v0, $t0          /* res + bit */
    sltu $t2, $a0, $t1
    bnez $t2, 3f
    srl $v0, $v0, 1
    subu $a0, $a0, $t1          /* num >= res + bit */
    addu $v0, $v0, $t0          /* res = (res >> 1) + bit */
3:  b 2b
    srl $t0, $t0, 2
4:  jr $ra
    nop

    .data
    .align 2
inputs: .word 0, 1, 99, 100, 1000000, 0x80000000, 0xffffffff
expect: .word 0, 1, 9, 10, 1000, 46340, 65535

/* Program: Euclid's gcd with DIVU remainders (MFHI), lcm = a / gcd * b with MFLO and MUL.
 * Expected by hand: gcd(1071,462) = 21; gcd(2^31, 3*2^20) = 2^20; gcd of consecutive integers = 1; lcm(21,6) = 42. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    move $s7, $ra
    li $a0, 1071
    li $a1, 462
    jal gcd
    nop
    CHECK_EQ $v0, 21
    li $a0, 0x80000000          /* unsigned operands above 2^31 */
    li $a1, 0x300000
    jal gcd
    nop
    CHECK_EQ $v0, 0x100000
    li $a0, 0x7ffffffe
    li $a1, 0x7fffffff
    jal gcd
    nop
    CHECK_EQ $v0, 1
    li $a0, 21
    li $a1, 6
    jal gcd
    nop
    li $t0, 21
    divu $zero, $t0, $v0        /* 21 / 3 */
    mflo $t0
    li $t1, 6
    mul $t0, $t0, $t1
    CHECK_EQ $t0, 42
    move $ra, $s7
UTEST_END

/* v0 = gcd(a0, a1), unsigned, a1 != 0 */
gcd:
1:  divu $zero, $a0, $a1
    move $a0, $a1
    mfhi $a1
    bnez $a1, 1b
    nop
    jr $ra
    move $v0, $a0

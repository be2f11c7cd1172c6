/* Program: Fibonacci two ways: iterative ADDU, and fast doubling with MULT/MFLO and MUL
 * (F(2k) = F(k)(2F(k+1) - F(k)), F(2k+1) = F(k)^2 + F(k+1)^2, all mod 2^32).
 * F(47) = 2971215073 = 0xB11924E1 (largest that fits 32 bits unsigned); F(40) = 102334155 = 0x6197ECB. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 6
    move $s7, $ra
    li $a0, 47
    jal fib_iter
    nop
    CHECK_EQ $v0, 0xb11924e1
    li $a0, 47
    jal fib_fast
    nop
    CHECK_EQ $v0, 0xb11924e1
    li $a0, 40
    jal fib_fast
    nop
    CHECK_EQ $v0, 0x6197ecb
    li $a0, 50                  /* beyond 32 bits: both methods agree mod 2^32 */
    jal fib_iter
    nop
    move $s0, $v0
    li $a0, 50
    jal fib_fast
    nop
    CHECK_REG $v0, $s0
    li $a0, 1
    jal fib_fast
    nop
    CHECK_EQ $v0, 1
    move $ra, $s7
UTEST_END

/* v0 = F(a0), iterative */
fib_iter:
    move $t0, $zero             /* F(i) */
    li $t1, 1                   /* F(i+1) */
1:  beqz $a0, 2f
    addu $t2, $t0, $t1
    move $t0, $t1
    move $t1, $t2
    b 1b
    addiu $a0, $a0, -1
2:  jr $ra
    move $v0, $t0

/* v0 = F(a0), fast doubling from the top bit of a0 down */
fib_fast:
    move $t0, $zero             /* a = F(k) */
    li $t1, 1                   /* b = F(k+1) */
    li $t4, 31                  /* bit index */
1:  sll $t2, $t1, 1
    subu $t2, $t2, $t0          /* 2b - a */
    mult $t0, $t2
    mflo $t2                    /* c = F(2k) */
    mul $t3, $t0, $t0
    mult $t1, $t1
    mflo $t5
    addu $t3, $t3, $t5          /* d = F(2k+1) */
    srlv $t5, $a0, $t4
    andi $t5, $t5, 1
    beqz $t5, 2f
    nop
    move $t0, $t3               /* bit set: k = 2k+1 */
    b 3f
    addu $t1, $t2, $t3
2:  move $t0, $t2               /* bit clear: k = 2k */
    move $t1, $t3
3:  bnez $t4, 1b
    addiu $t4, $t4, -1
    jr $ra
    move $v0, $t0

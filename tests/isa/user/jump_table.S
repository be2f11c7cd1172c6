/* A switch through a table of code addresses: LW then JR (Vol. II, LW, JR). */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 2
    la $s0, table
    li $s1, 0                   /* case index */
    li $s2, 0                   /* accumulated result */
loop:
    sll $t0, $s1, 2
    addu $t0, $s0, $t0
    lw $t0, 0($t0)
    jr $t0
    nop
case0: addiu $s2, $s2, 1
    b next
    nop
case1: sll $s2, $s2, 4
    b next
    nop
case2: addiu $s2, $s2, 3
    b next
    nop
case3: xori $s2, $s2, 0xff
next:
    addiu $s1, $s1, 1
    slti $t0, $s1, 4
    bnez $t0, loop
    nop
    CHECK_EQ $s2, 0xec          /* ((0+1)<<4 + 3) ^ 0xff = 0x13 ^ 0xff */
UTEST_END
    .data
    .align 2
table: .word case0, case1, case2, case3

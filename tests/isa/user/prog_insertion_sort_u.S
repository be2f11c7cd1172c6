/* Program: insertion sort of unsigned words (SLTU decides): values with bit 31 set sort last.
 * Expected order by hand: 0 < 1 < 0x7fffffff < 0x80000000 < 0xfffffffe < 0xffffffff. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 7
    la $s0, arr
    li $s1, 1                   /* i */
1:  sll $t0, $s1, 2
    addu $t0, $s0, $t0          /* &a[i] */
    lw $t1, 0($t0)              /* key */
2:  beq $t0, $s0, 3f            /* j reached 0 */
    nop
    lw $t2, -4($t0)
    sltu $t3, $t1, $t2          /* key < a[j-1] ? */
    beqz $t3, 3f
    nop
    sw $t2, 0($t0)
    b 2b
    addiu $t0, $t0, -4
3:  sw $t1, 0($t0)
    addiu $s1, $s1, 1
    sltiu $t3, $s1, 6
    bnez $t3, 1b
    nop
    CHECK_MEMW $s0, 0, 0
    CHECK_MEMW $s0, 4, 1
    CHECK_MEMW $s0, 8, 0x7fffffff
    CHECK_MEMW $s0, 12, 0x80000000
    CHECK_MEMW $s0, 16, 0xfffffffe
    CHECK_MEMW $s0, 20, 0xffffffff
UTEST_END
    .data
    .align 2
arr: .word 0xffffffff, 1, 0x80000000, 0, 0xfffffffe, 0x7fffffff

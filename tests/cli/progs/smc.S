/*
 * Self-modifying code for the --profile counts: smc_fn (one block: addiu, jr, nop) runs, a
 * store rewrites its first instruction, it runs again, a second store, it runs a third time.
 * Each store overwrites only smc_fn's block, so exactly 2 stores invalidate 2 blocks and
 * smc_fn is re-translated twice; the code that makes the stores and calls smc_fn shares
 * smc_fn's page but is never overwritten, so it must not be re-translated. The result
 * (1 + 2 + 3) is checked so that a stale translation fails the program too.
 */
#include "isa.h"

    TEST_BEGIN 1
    move $s7, $ra
    la $s0, smc_fn
    li $s1, 0
    jal smc_fn
    nop
    addu $s1, $s1, $v0
    li $t1, 0x24020002              /* addiu $v0, $zero, 2 */
    sw $t1, 0($s0)
    jal smc_fn
    nop
    addu $s1, $s1, $v0
    li $t1, 0x24020003              /* addiu $v0, $zero, 3 */
    sw $t1, 0($s0)
    jal smc_fn
    nop
    addu $s1, $s1, $v0
    CHECK_EQ $s1, 6
    move $ra, $s7
    TEST_END

    .text
    .align 4
smc_fn:
    addiu $v0, $zero, 1
    jr $ra
    nop

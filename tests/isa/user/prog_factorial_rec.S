/* Program: recursive factorial via JAL and a stack frame (SW/LW of $ra and the argument, ADDIU $sp), using MUL.
 * Runs on its own stack in .bss. Expected: 10! = 3628800 = 0x375F00, 12! = 479001600 = 0x1C8CFC00, 0! = 1. */
#include "isa.h"
#include "user_util.h"
TEST_BEGIN 5
    move $s7, $ra
    move $s6, $sp
    la $sp, stack_top
    li $a0, 10
    jal fact
    nop
    CHECK_EQ $v0, 0x375f00
    li $a0, 12
    jal fact
    nop
    CHECK_EQ $v0, 0x1c8cfc00
    move $a0, $zero
    jal fact
    nop
    CHECK_EQ $v0, 1
    la $t0, stack_top           /* balanced pushes and pops */
    CHECK_REG $sp, $t0
    move $sp, $s6
    move $ra, $s7
UTEST_END

/* v0 = a0! */
fact:
    slti $t0, $a0, 2
    beqz $t0, 1f
    nop
    jr $ra
    li $v0, 1
1:  addiu $sp, $sp, -8
    sw $ra, 4($sp)
    sw $a0, 0($sp)
    jal fact
    addiu $a0, $a0, -1          /* argument set in the delay slot */
    lw $a0, 0($sp)
    lw $ra, 4($sp)
    addiu $sp, $sp, 8
    jr $ra
    mul $v0, $v0, $a0

    .bss
    .align 3
stack: .space 512
stack_top:

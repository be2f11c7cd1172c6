/*
 * Start-up for user-mode ISA tests built as static Linux programs (o32).
 * Runs test_main and exits 0, or prints the failing check and exits 1.
 */
#include "isa.h"

#define SYS_write 4004
#define SYS_exit 4001

    .text
    .globl __start
    .globl _start
    .ent _start
__start:
_start:
    move $fp, $zero
    jal test_main
    nop
    li $a0, 1
    la $a1, msg_pass
    li $a2, 5
    li $v0, SYS_write
    syscall
    li $a0, 0
    li $v0, SYS_exit
    syscall
    .end _start

    .globl test_fail
test_fail:
    /* format "FAIL check NNNN\n" with the check number in decimal */
    la $s0, msg_fail_end
    move $s1, $fp
    li $s2, 10
1:  divu $zero, $s1, $s2
    mfhi $t0
    mflo $s1
    addiu $t0, $t0, '0'
    addiu $s0, $s0, -1
    sb $t0, 0($s0)
    bnez $s1, 1b
    nop
    li $a0, 1
    la $a1, msg_fail
    li $a2, 11
    li $v0, SYS_write
    syscall
    li $a0, 1
    move $a1, $s0
    la $a2, msg_fail_end
    subu $a2, $a2, $s0
    li $v0, SYS_write
    syscall
    li $a0, 1
    la $a1, msg_nl
    li $a2, 1
    li $v0, SYS_write
    syscall
    li $a0, 1
    li $v0, SYS_exit
    syscall

    .data
msg_pass: .ascii "PASS\n"
msg_fail: .ascii "FAIL check "
    .space 12
msg_fail_end:
msg_nl: .ascii "\n"

/*
 * Start-up for user-mode ISA tests built as static Linux programs (o32).
 * Runs test_main, prints "PASS N checks" (N = the checks it ran, $fp) and
 * exits 0, or prints "FAIL check N" and exits 1. The runner compares N with
 * the program's declared count (test_checks, see isa.h).
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
    la $a0, msg_pass
    li $a1, 5
    jal put
    nop
    jal put_dec
    move $a0, $fp
    la $a0, msg_checks
    li $a1, 8
    jal put
    nop
    li $a0, 0
    li $v0, SYS_exit
    syscall
    .end _start

    .globl test_fail
test_fail:
    la $a0, msg_fail
    li $a1, 11
    jal put
    nop
    jal put_dec
    move $a0, $fp
    la $a0, msg_nl
    li $a1, 1
    jal put
    nop
    li $a0, 1
    li $v0, SYS_exit
    syscall

/* put: write a1 bytes at a0 to stdout */
put:
    move $a2, $a1
    move $a1, $a0
    li $a0, 1
    li $v0, SYS_write
    syscall
    jr $ra
    nop

/* put_dec: write a0 in decimal to stdout; keeps $fp and $ra's caller */
put_dec:
    move $s3, $ra
    la $s0, dec_end
    move $s1, $a0
    li $s2, 10
1:  divu $zero, $s1, $s2
    mfhi $t0
    mflo $s1
    addiu $t0, $t0, '0'
    addiu $s0, $s0, -1
    bnez $s1, 1b
    sb $t0, 0($s0)
    move $a0, $s0
    la $a1, dec_end
    jal put
    subu $a1, $a1, $s0
    jr $s3
    nop

    .data
msg_pass: .ascii "PASS "
msg_checks: .ascii " checks\n"
msg_fail: .ascii "FAIL check "
msg_nl: .ascii "\n"
dec_buf: .space 12
dec_end:

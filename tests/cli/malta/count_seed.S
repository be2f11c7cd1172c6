/*
 * A stand-alone program for the Malta board: spins about 400,000 instructions, reads Count and
 * writes it to the 16550 as "count XXXXXXXX\r\n", then resets the board (SOFTRES, as uart_bytes.S,
 * whose addresses it shares). A relocatable Linux draws its KASLR offset from such a read of
 * Count early in its boot; tests/cli/run.sh runs clones of this program under one --seed in real
 * time and expects the same line from every one (monitor/vcpu.c: guest time follows retired
 * instructions until the guest writes Compare or waits).
 */
#define UART 0xB80003F8       /* kseg1: uncached */
#define LSR_THRE 0x20
#define SOFTRES 0xBF000500
#define SPIN 200000

    .set noreorder
    .text
    .globl _start
_start:
    li $t2, SPIN
1:  addiu $t2, $t2, -1
    bnez $t2, 1b
    nop
    mfc0 $s2, $9               /* Count */
    la $s0, text
    la $s1, text_end
2:  jal putc
    lbu $a0, 0($s0)
    addiu $s0, $s0, 1
    bne $s0, $s1, 2b
    nop
    li $s0, 28                 /* eight hex digits, the highest first */
3:  srlv $t2, $s2, $s0
    andi $t2, $t2, 15
    la $t3, digits
    addu $t3, $t3, $t2
    jal putc
    lbu $a0, 0($t3)
    addiu $s0, $s0, -4
    bgez $s0, 3b
    nop
    jal putc
    li $a0, 13
    jal putc
    li $a0, 10
    li $t0, SOFTRES
    li $t1, 0x42
    sw $t1, 0($t0)
4:  b 4b                       /* the reset stops the CPU before it gets here */
    nop

#include "uart_putc.S"

    .section .rodata
text:
    .ascii "count "
text_end:
digits:
    .ascii "0123456789abcdef"

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
1:  bnez $t2, 1b
    addiu $t2, $t2, -1
    mfc0 $s2, $9               /* Count */
    la $s0, line + 6           /* its eight hex digits into the line, the highest first */
    li $s1, 28
2:  srlv $t2, $s2, $s1
    andi $t2, $t2, 15
    la $t3, digits
    addu $t3, $t3, $t2
    lbu $t3, 0($t3)
    sb $t3, 0($s0)
    addiu $s1, $s1, -4
    bgez $s1, 2b
    addiu $s0, $s0, 1
    la $s0, line               /* the line out */
3:  jal putc
    lbu $a0, 0($s0)
    addiu $s0, $s0, 1
    la $t2, line_end
    bne $s0, $t2, 3b
    nop
    li $t0, SOFTRES            /* the reset, under -no-reboot the end of the run */
    li $t1, 0x42
4:  b 4b
    sw $t1, 0($t0)

#include "uart_putc.S"

    .data
line:
    .ascii "count ________\r\n"
line_end:
digits:
    .ascii "0123456789abcdef"

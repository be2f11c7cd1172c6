/*
 * A stand-alone program for the Malta board that never ends: writes "tick\r\n" to the 16550 at
 * I/O port 0x3F8, spins about 40 million instructions, and again. tests/cli/run.sh runs several
 * of it in one monitor: a console socket client and the console log must both see its ticks, and
 * QMP must stop, resume and quit each VM alone while the others go on. Addresses as in
 * uart_bytes.S (the 16550's THR at +0, LSR at +5, bit 5 = THR empty).
 */
#define UART 0xB80003F8       /* kseg1: uncached */
#define LSR_THRE 0x20
#define SPIN 20000000

    .set noreorder
    .text
    .globl _start
_start:
1:  la $s0, text
    la $s1, text_end
2:  jal putc
    lbu $a0, 0($s0)
    addiu $s0, $s0, 1
    bne $s0, $s1, 2b
    nop
    li $t2, SPIN
3:  addiu $t2, $t2, -1
    bnez $t2, 3b
    nop
    b 1b
    nop

#include "uart_putc.S"

    .section .rodata
text:
    .ascii "tick\r\n"
text_end:

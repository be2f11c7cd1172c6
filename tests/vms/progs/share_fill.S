/*
 * A stand-alone program for the Malta board for content-based page sharing (--page-sharing):
 * it fills FILL_PAGES pages of kseg0 RAM with a pattern that differs from word to word but is
 * the same in every VM that runs this program, and ZERO_PAGES more pages with stored zeroes,
 * says "share_fill: filled", and waits for one byte on ttyS0. Meanwhile the monitor's scanner
 * may merge those pages across VMs. With the byte k (each VM gets its own), it stores
 * pattern ^ k*0x01010101 into every word of both ranges, reads every word back, and says
 * "share_fill: ok k" if each holds what this VM stored there, or "share_fill: bad ADDR" at
 * the first that does not; then spins. tests/vms/vms_test.py (case page-sharing) drives four.
 *
 * The 16550's registers (RBR at 0, LSR at 5: DR bit 0, THRE bit 5) as in
 * tests/cli/malta/uart_bytes.S (National Semiconductor PC16550D data sheet).
 */
#define UART 0xB80003F8
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define BASE 0x80400000  /* 4 MiB into RAM: clear of the program and its stack */
#define FILL_PAGES 256
#define ZERO_PAGES 64
#define FILL_END (BASE + FILL_PAGES * 4096)
#define ALL_END (FILL_END + ZERO_PAGES * 4096)

    .set noreorder
    .text
    .globl _start
_start:
    /* The pattern: each word holds its own offset from BASE, plus a constant. */
    li $s0, BASE
    li $s1, FILL_END
    li $t2, 0x5A000001
1:  subu $t1, $s0, BASE
    addu $t1, $t1, $t2
    sw $t1, 0($s0)
    addiu $s0, $s0, 4
    bne $s0, $s1, 1b
    nop
    li $s1, ALL_END
2:  sw $zero, 0($s0)
    addiu $s0, $s0, 4
    bne $s0, $s1, 2b
    nop
    la $a1, filled
    jal puts
    nop

    /* The byte this VM writes with. */
    li $t0, UART
3:  lbu $t1, 5($t0)
    andi $t1, $t1, LSR_DR
    beqz $t1, 3b
    nop
    lbu $s3, 0($t0)
    li $t1, 0x01010101
    mul $s4, $s3, $t1           /* k in every byte */

    /* Store: fill range pattern ^ k, zero range 0 ^ k. */
    li $s0, BASE
    li $s1, FILL_END
4:  subu $t1, $s0, BASE
    addu $t1, $t1, $t2
    xor $t1, $t1, $s4
    sw $t1, 0($s0)
    addiu $s0, $s0, 4
    bne $s0, $s1, 4b
    nop
    li $s1, ALL_END
5:  sw $s4, 0($s0)
    addiu $s0, $s0, 4
    bne $s0, $s1, 5b
    nop

    /* Read back. */
    li $s0, BASE
    li $s1, FILL_END
6:  subu $t1, $s0, BASE
    addu $t1, $t1, $t2
    xor $t1, $t1, $s4
    lw $t3, 0($s0)
    bne $t1, $t3, bad
    nop
    addiu $s0, $s0, 4
    bne $s0, $s1, 6b
    nop
    li $s1, ALL_END
7:  lw $t3, 0($s0)
    bne $s4, $t3, bad
    nop
    addiu $s0, $s0, 4
    bne $s0, $s1, 7b
    nop
    la $a1, ok
    jal puts
    nop
    jal putc
    move $a0, $s3
    la $a1, crlf
    jal puts
    nop
spin:
    b spin
    nop

bad:
    la $a1, badmsg
    jal puts
    nop
    /* The address in hex, 8 digits. */
    li $s5, 28
8:  srlv $a0, $s0, $s5
    andi $a0, $a0, 0xF
    sltiu $t1, $a0, 10
    bnez $t1, 9f
    addiu $a0, $a0, '0'
    addiu $a0, $a0, 'a' - '0' - 10
9:  jal putc
    nop
    bnez $s5, 8b
    addiu $s5, $s5, -4
    la $a1, crlf
    jal puts
    nop
    b spin
    nop

/* Writes the NUL-terminated string at a1 (clobbers a0, a1, t0, t1; keeps ra through s7). */
puts:
    move $s7, $ra
10: lbu $a0, 0($a1)
    beqz $a0, 11f
    nop
    jal putc
    addiu $a1, $a1, 1
    b 10b
    nop
11: jr $s7
    nop

putc:
    li $t0, UART
12: lbu $t1, 5($t0)
    andi $t1, $t1, LSR_THRE
    beqz $t1, 12b
    nop
    jr $ra
    sb $a0, 0($t0)

    .section .rodata
filled:
    .asciz "share_fill: filled\r\n"
ok:
    .asciz "share_fill: ok "
badmsg:
    .asciz "share_fill: bad "
crlf:
    .asciz "\r\n"

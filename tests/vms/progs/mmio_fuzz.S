/*
 * A stand-alone program for the Malta board that hammers the board's devices: random loads and
 * stores (bytes and words, values from an LCG seeded by CP0 Count) to random addresses of the
 * ISA I/O ports (kseg1 0xB8000000 + port: the 8259s, the 8254, the RTC, the 16550s, the
 * PIIX4's power-management and reset ports...), the GT-64120's registers (0xBBE00000: the PCI
 * windows move), the FPGA (0xBF000000, but its SOFTRES register) and anywhere else in
 * 0xB0000000-0xBFFFFFFF. Whatever a device makes of it (resets, a power-off, moved windows),
 * the monitor must stay up: tests/vms/run.sh runs it beside VMs whose output must stay exact.
 *
 * Addresses: Linux arch/mips/include/asm/mips-boards/malta.h (the GT-64120's PCI I/O window
 * at 0x18000000, its registers at 0x1BE00000) and QEMU hw/mips/malta.c (the FPGA at
 * 0x1F000000, SOFTRES at +0x500).
 */
    .set noreorder
    .text
    .globl _start
_start:
    mfc0 $s0, $9            /* LCG state: from Count, a new sequence after every reset */
    li $s1, 0              /* iteration */
    li $s5, 0xBF000500     /* SOFTRES: skipped */
1:  /* x = x * 1103515245 + 12345 */
    li $t0, 1103515245
    mul $s0, $s0, $t0
    addiu $s0, $s0, 12345
    srl $t1, $s0, 8        /* choose a region with bits 30..31 of x */
    srl $t2, $s0, 30
    beqz $t2, 10f
    nop
    li $t3, 1
    beq $t2, $t3, 11f
    nop
    li $t3, 2
    beq $t2, $t3, 12f
    nop
    /* region 3: FPGA 0xBF000000 + (t1 & 0xFFF) */
    andi $t4, $t1, 0xFFC
    li $t5, 0xBF000000
    b 20f
    addu $t4, $t4, $t5
10: /* ISA ports: 0xB8000000 + (t1 & 0xFFFF) */
    andi $t4, $t1, 0xFFFF
    li $t5, 0xB8000000
    b 20f
    addu $t4, $t4, $t5
11: /* GT-64120: 0xBBE00000 + (t1 & 0xFFC) */
    andi $t4, $t1, 0xFFC
    li $t5, 0xBBE00000
    b 20f
    addu $t4, $t4, $t5
12: /* anywhere in 0xB0000000..0xBFFFFFFF, word aligned */
    li $t5, 0x0FFFFFFC
    and $t4, $s0, $t5
    li $t5, 0xB0000000
    or $t4, $t4, $t5
20: /* skip SOFTRES, the reset register (a reset reloads the program anyway) */
    li $t5, 0xFFFFFFFC
    and $t6, $t4, $t5
    beq $t6, $s5, 1b
    nop
    andi $t7, $s0, 3       /* access kind */
    srl $t8, $s0, 3        /* value */
    beqz $t7, 30f
    nop
    li $t3, 1
    beq $t7, $t3, 31f
    nop
    li $t3, 2
    beq $t7, $t3, 32f
    nop
    lw $t9, 0($t6)
    b 40f
    nop
30: sb $t8, 0($t4)
    b 40f
    nop
31: lbu $t9, 0($t4)
    b 40f
    nop
32: sw $t8, 0($t6)
40: addiu $s1, $s1, 1
    b 1b
    nop

/*
 * A stand-alone program for the Malta board (no crt: the test device does not exist there):
 * writes a line of text and then every byte value 0x00-0xFF to the 16550 at I/O port 0x3F8,
 * waiting for THRE before each byte, then resets the board through the FPGA's SOFTRES register,
 * which under -no-reboot ends mvisor with status 0. tests/cli/run.sh compares what reaches
 * -serial stdio, file:PATH and none with the bytes the program sends.
 *
 * Addresses: ISA port p is at phys 0x18000000 + p, the GT-64120's PCI I/O window as the
 * firmware leaves it (Linux arch/mips/include/asm/mips-boards/malta.h, MALTA_GT_PORT_BASE from
 * PCI0IOLD; devices/malta/malta.h); the 16550's THR is at +0, LSR at +5 with bit 5 = THR empty
 * (Linux include/uapi/linux/serial_reg.h); the FPGA's SOFTRES register is phys 0x1F000500 and
 * 0x42 resets the board (QEMU hw/mips/malta.c, malta_fpga_write).
 */
#define UART 0xB80003F8       /* kseg1: uncached */
#define LSR_THRE 0x20
#define SOFTRES 0xBF000500

    .set noreorder
    .text
    .globl _start
_start:
    la $s0, text
    la $s1, text_end
1:  jal putc
    lbu $a0, 0($s0)
    addiu $s0, $s0, 1
    bne $s0, $s1, 1b
    nop
    move $s0, $zero            /* every byte value, in order */
2:  jal putc
    move $a0, $s0
    addiu $s0, $s0, 1
    sltiu $t0, $s0, 256
    bnez $t0, 2b
    nop
    li $t0, SOFTRES
    li $t1, 0x42
    sw $t1, 0($t0)
3:  b 3b                       /* the reset stops the CPU before it gets here */
    nop

#include "uart_putc.S"

    .section .rodata
text:
    .ascii "uart_bytes: the guest's 16550 at port 0x3f8\r\n"
text_end:
